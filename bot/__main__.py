"""`python -m bot` is the same as the `profile-bot` command."""

from bot.cli import main

raise SystemExit(main())
