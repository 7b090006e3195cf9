.PHONY: venv install browser test test-fast leaderboard submissions

# Use the active virtual environment or conda env when there is one; otherwise make a project
# venv in .venv (git-ignored) from python3. A bare `pip install` into Debian's or Ubuntu's
# system python3 is refused by PEP 668 ("externally managed"), so nothing installs there.
ifneq ($(strip $(VIRTUAL_ENV)$(CONDA_PREFIX)),)
PY := python
else
PY := .venv/bin/python
endif
PYTHON3 ?= python3

venv:
	@if [ "$(PY)" = ".venv/bin/python" ] && [ ! -x .venv/bin/python ]; then \
		$(PYTHON3) -m venv .venv 2>/dev/null || { \
			rm -rf .venv; \
			if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
				apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null && $(PYTHON3) -m venv .venv; \
			else \
				echo "error: '$(PYTHON3) -m venv' failed; install python3-venv (sudo apt-get install python3-venv) or activate an environment"; exit 1; \
			fi; }; \
	fi

# Install the package with its test extras (torch is pinned to the local CPU wheel). The stamp
# skips pip when pyproject.toml has not changed since the last install into this environment.
install: venv
	@stamp="$$($(PY) -c 'import sys; print(sys.prefix)')/.sftcast-installed"; \
	if [ ! -f "$$stamp" ] || [ pyproject.toml -nt "$$stamp" ]; then \
		$(PY) -m pip install -q --upgrade pip && $(PY) -m pip install -q -e ".[dev]" && touch "$$stamp"; \
	fi

# The browser tests drive Debian's Chromium (Playwright cannot download its own browser here).
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

test: install browser
	$(PY) -m pytest -q

# The fast loop: everything not marked slow.
test-fast: install
	$(PY) -m pytest -q -m "not slow and not browser"

leaderboard: install
	$(PY) -m benchmark.cli leaderboard

# Regenerate the built-in baseline submissions on every shipped suite (after a suite changes); a suite
# a predictor cannot serve (lin2024 for the paper's proxies) is skipped.
# Each links the paper it comes from: Zeng et al. 2025, or Lin et al. 2024 for the literature methods.
BASELINES = random ppl_clm ppl_sc kshot_cms kshot_rag kshot_cbqa combine5 sc_plus_rag \
	sc_plus_rag_minus_clm ltc_lightgbm ltc_logreg ltc_mlp zero_shot_loss subtuning model_size ats ltc_meta
LIN2024_BASELINES = zero_shot_loss subtuning model_size ats
submissions: install
	for p in $(BASELINES); do \
		case " $(LIN2024_BASELINES) " in *" $$p "*) url=https://arxiv.org/abs/2402.02314;; \
			*) url=https://arxiv.org/abs/2504.12491;; esac; \
		rm -rf submissions/$$p && $(PY) -m benchmark.cli submit predict --predictor $$p --name $$p --out submissions \
			--authors "sftcast baselines" --url $$url \
			--description "Built-in predictor '$$p' run by sftcast submit predict." || exit 1; \
	done
