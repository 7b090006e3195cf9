"""The suite producer: presets, the synthetic world and its tasks, corpus, tokenizer, objectives,
pre-training, SFT, the suite runner and collection of records into a suite."""
