"""Builders of tiny random models for the translate tests, built in tmp dirs so real transformers code runs.

Nothing is downloaded: a SentencePiece model and a byte-level BPE are trained here on a few
hundred synthetic lines (random Arabic-letter words and English words), and tiny Marian, Llama
and Gemma 3 models are initialised from a fixed seed and saved as safetensors.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

AR_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
EN_WORDS = ("the minister said talks will continue next week fuel prices rose in capital on sunday "
            "government announced new plan support farmers army city council report two three").split()


def synthetic_lines(n: int = 400, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    lines = []
    for _ in range(n):
        ar = " ".join("".join(rng.choice(AR_LETTERS) for _ in range(rng.randint(2, 6)))
                      for _ in range(rng.randint(3, 9)))
        en = " ".join(rng.choice(EN_WORDS) for _ in range(rng.randint(3, 9)))
        lines += [ar + "، " + str(rng.randint(1, 99)) + ".", en.capitalize() + ", " + en + "."]
    return lines


def build_marian(root: Path) -> Path:
    """A 1+1-layer Marian model (d_model 16) with a SentencePiece vocabulary, saved to ``root``."""
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    work = root / "spm"
    work.mkdir(parents=True, exist_ok=True)
    spm.SentencePieceTrainer.train(sentence_iterator=iter(synthetic_lines()), model_prefix=str(work / "sp"),
                                   vocab_size=200, character_coverage=1.0, model_type="unigram",
                                   minloglevel=2)
    sp = spm.SentencePieceProcessor(model_file=str(work / "sp.model"))
    vocab = {"</s>": 0, "<unk>": 1}
    for i in range(sp.get_piece_size()):
        piece = sp.id_to_piece(i)
        if piece not in ("<unk>", "<s>", "</s>") and piece not in vocab:
            vocab[piece] = len(vocab)
    vocab["<pad>"] = len(vocab)
    (work / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tok = MarianTokenizer(source_spm=str(work / "sp.model"), target_spm=str(work / "sp.model"),
                          vocab=str(work / "vocab.json"))
    torch.manual_seed(0)
    config = MarianConfig(vocab_size=len(vocab), d_model=16, encoder_layers=1, decoder_layers=1,
                          encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32,
                          decoder_ffn_dim=32, max_position_embeddings=256, pad_token_id=vocab["<pad>"],
                          eos_token_id=0, decoder_start_token_id=vocab["<pad>"], forced_eos_token_id=0)
    model = MarianMTModel(config).eval()
    out = root / "marian"
    model.save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)
    return out


def bpe_tokenizer(chat: bool):  # -> PreTrainedTokenizerFast
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tk = Tokenizer(models.BPE(unk_token=None))
    tk.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tk.decoder = decoders.ByteLevel()
    specials = ["<s>", "</s>", "<pad>"]
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=specials,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    lines = synthetic_lines()
    tk.train_from_iterator(["\n".join(lines[i : i + 4]) for i in range(0, len(lines), 4)], trainer)
    tk.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", 0)])
    tok = PreTrainedTokenizerFast(tokenizer_object=tk, bos_token="<s>", eos_token="</s>", pad_token="<pad>")
    if chat:
        tok.chat_template = ("{{ bos_token }}{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}"
                             "</s>\n{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}")
    return tok


def build_causal(root: Path, arch: str = "llama", chat: bool = False) -> Path:
    """A 2-layer causal LM (Llama, or Gemma 3 with a tiny sliding window) saved to ``root``."""
    import torch

    tok = bpe_tokenizer(chat)
    common = dict(vocab_size=len(tok), hidden_size=16, intermediate_size=32, num_hidden_layers=2,
                  num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=1024,
                  bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    torch.manual_seed(1)
    if arch == "gemma3":
        from transformers import Gemma3ForCausalLM, Gemma3TextConfig

        config = Gemma3TextConfig(**common, head_dim=8, sliding_window=6,
                                  layer_types=["sliding_attention", "full_attention"])
        model = Gemma3ForCausalLM(config)
    else:
        from transformers import LlamaConfig, LlamaForCausalLM

        model = LlamaForCausalLM(LlamaConfig(**common, tie_word_embeddings=False))
    # Random init gives near-flat logits; scale them up so greedy choices are clear-cut.
    with torch.no_grad():
        model.lm_head.weight.mul_(50.0)
    out = root / f"{arch}{'-chat' if chat else ''}"
    model.eval().save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)
    return out

