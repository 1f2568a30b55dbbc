from __future__ import annotations

from aieng.cli import main

main()
