.PHONY: install browser test leaderboard submissions

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

# Regenerate the built-in baseline submissions on every shipped suite (after a suite changes); a suite
# a predictor cannot serve (lin2024 for the paper's proxies) is skipped.
BASELINES = random ppl_clm ppl_sc kshot_cms kshot_rag kshot_cbqa combine5 sc_plus_rag \
	sc_plus_rag_minus_clm ltc_lightgbm ltc_logreg ltc_mlp zero_shot_loss subtuning model_size ats ltc_meta
submissions:
	for p in $(BASELINES); do \
		rm -rf submissions/$$p && sftcast submit predict --predictor $$p --name $$p --out submissions \
			--authors "sftcast baselines" --url https://arxiv.org/abs/2504.12491 \
			--description "Built-in predictor '$$p' run by sftcast submit predict." || exit 1; \
	done
