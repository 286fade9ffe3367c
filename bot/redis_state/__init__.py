"""Redis implementations of the state Protocols, each falling back to memory."""
