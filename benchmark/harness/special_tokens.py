"""Special tokens shared by the tokenizer, the pre-training objectives and SFT formatting."""

PAD = "<pad>"
BOS = "<s>"
EOS = "</s>"
UNK = "<unk>"
N_SENTINELS = 100
SENTINELS = tuple(f"<extra_id_{i}>" for i in range(N_SENTINELS))
# UL2 mode tokens (Tay et al. 2022): R-denoisers, X-denoisers, S-denoiser.
MODE_NLU = "[NLU]"
MODE_NLG = "[NLG]"
MODE_S2S = "[S2S]"
MODES = (MODE_NLU, MODE_NLG, MODE_S2S)

ALL = (PAD, BOS, EOS, UNK, *MODES, *SENTINELS)
