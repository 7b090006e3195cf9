.PHONY: install browser test leaderboard

# Install the package with its test extras (torch is pinned to the local CPU wheel).
install:
	pip install -q -e ".[dev]"

# The browser tests drive Debian's Chromium (Playwright cannot download its own browser here).
browser:
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

test: install browser
	python -m pytest -q

leaderboard: install
	sftcast leaderboard
