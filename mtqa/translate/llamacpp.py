"""llama.cpp engine for GGUF translators: the GGUF file as it is, several sentences per pass.

:class:`LlamaCppModel` loads a GGUF file with llama.cpp (``llama-cpp-python``; the weights stay
quantized and memory-mapped, nothing is converted) and offers what
:class:`~mtqa.translate.causal.CausalTranslator` needs: tokenizing, detokenizing, the
end-of-generation tokens, and decoding *sessions*.

A session decodes a batch of prompts that share one prefix (instruction and few-shot
examples). The prefix is evaluated once into sequence 0 of a unified key/value cache and its
cells are shared with sequences 1..n (``llama_memory_seq_cp``), so each sentence only pays for
its own tokens; each step then evaluates one token for every unfinished sequence in a single
``llama_decode`` call. The session hands back :class:`LlamaLogits`, a handle on llama.cpp's own
logits rows: greedy decoding reads only the chosen token and its log-normaliser from them in
place (:meth:`LlamaLogits.greedy`; no copy of the 262k-entry rows), sampling turns them into a
torch tensor; the decoding loop and stop rules are the same code as the transformers engine.
:meth:`LlamaCppModel.score` evaluates prompt + a given rendering in one pass (forced decoding)
and returns each rendering token's log-probability.

Article text is tokenized with ``special=False``: a control token written into an article
("<end_of_turn>" and the like) stays plain text and cannot end or restructure the prompt.
"""

from __future__ import annotations

import ctypes
import importlib.util
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mtqa.errors import ModelError

PREFIX_SEQ = 0  # the sequence that holds the shared prompt prefix
_LOG_CALLBACK: Any = None  # keeps the silencing callback alive for the process


def available() -> bool:
    """True when llama-cpp-python is installed (``pip install mtqa[llama]``)."""
    return importlib.util.find_spec("llama_cpp") is not None


def _silence() -> None:
    """Route llama.cpp's own logging (model metadata dumps, timings) to nowhere."""
    global _LOG_CALLBACK
    if _LOG_CALLBACK is not None:
        return
    import llama_cpp

    @llama_cpp.llama_log_callback  # type: ignore[misc]
    def _drop(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
        return None

    _LOG_CALLBACK = _drop
    llama_cpp.llama_log_set(_LOG_CALLBACK, ctypes.c_void_p(0))


class LlamaCppModel:
    """A GGUF model in llama.cpp with room for ``max_rows`` sentences decoded together."""

    def __init__(self, path: str | Path, threads: int, max_rows: int, n_ctx: int) -> None:
        if not available():
            raise ModelError("translate.engine = 'llama.cpp' needs llama-cpp-python "
                             "(pip install 'mtqa[llama]')")
        import llama_cpp
        from llama_cpp import _internals

        _silence()
        self.path = Path(path)
        self.max_rows = max_rows
        try:
            self.model = _internals.LlamaModel(path_model=str(self.path),
                                               params=llama_cpp.llama_model_default_params(), verbose=False)
        except (ValueError, OSError) as exc:
            raise ModelError(f"llama.cpp cannot load {self.path}: {exc}") from None
        params = llama_cpp.llama_context_default_params()
        params.n_ctx = n_ctx
        params.n_batch = n_ctx
        params.n_ubatch = min(512, n_ctx)
        params.n_seq_max = max_rows + 1
        params.kv_unified = True  # rows share the prefix cells instead of copying them
        params.swa_full = True  # sliding-window layers keep every cell (the prefix stays valid)
        params.n_threads = params.n_threads_batch = threads or (os.cpu_count() or 1)
        try:
            self.ctx = _internals.LlamaContext(model=self.model, params=params, verbose=False)
        except ValueError as exc:
            raise ModelError(f"llama.cpp cannot create a context for {self.path}: {exc}") from None
        self.n_ctx = n_ctx
        self.n_vocab = self.model.n_vocab()
        self._batch = _internals.LlamaBatch(n_tokens=n_ctx, embd=0, n_seq_max=1, verbose=False)
        self._prefix: list[int] = []  # tokens evaluated into PREFIX_SEQ
        self._eog: set[int] | None = None
        self._scratch: Any = None  # one vocabulary-sized float32 buffer for log-normalisers

    # ------------------------------------------------------------------ vocabulary
    def tokenize(self, text: str, add_bos: bool = False, special: bool = False) -> list[int]:
        if not text:
            return [self.model.token_bos()] if add_bos else []
        return self.model.tokenize(text.encode("utf-8"), add_bos=add_bos, special=special)

    def detokenize(self, ids: Sequence[int]) -> str:
        return self.model.detokenize(list(ids), special=False).decode("utf-8", errors="replace")

    def token_text(self, token: int) -> str:
        """The vocabulary entry (``▁word`` style, as transformers' ``convert_ids_to_tokens``)."""
        return self.model.token_get_text(token)

    def eog_ids(self) -> set[int]:
        """Every token llama.cpp treats as end of generation (eos, eot, <end_of_turn>, ...)."""
        if self._eog is None:
            import llama_cpp

            vocab = self.model.vocab
            self._eog = {i for i in range(self.n_vocab) if llama_cpp.llama_vocab_is_eog(vocab, i)}
        return self._eog

    def chat_template(self) -> str | None:
        return self.model.metadata().get("tokenizer.chat_template") or None

    def add_bos(self) -> bool:
        return bool(self.model.add_bos_token())

    # ------------------------------------------------------------------ decoding
    def _rm(self, seq: int, p0: int = 0) -> None:
        """Drop sequence ``seq`` from position ``p0`` on (cells other sequences share stay)."""
        import llama_cpp

        llama_cpp.llama_memory_seq_rm(self.ctx.memory, seq, p0, -1)

    def _share_prefix(self, seq: int, length: int) -> None:
        """Start ``seq`` as a fresh sequence that shares the prefix's first ``length`` cells."""
        import llama_cpp

        self._rm(seq)
        if length:
            llama_cpp.llama_memory_seq_cp(self.ctx.memory, PREFIX_SEQ, seq, 0, length)

    def _decode(self, entries: Sequence[tuple[int, int, int, bool]]) -> list[int]:
        """Evaluate (token, position, sequence, want logits) entries; batch indices with logits."""
        b = self._batch.batch
        b.n_tokens = len(entries)
        wanted = []
        for j, (tok, pos, seq, logits) in enumerate(entries):
            b.token[j] = tok
            b.pos[j] = pos
            b.seq_id[j][0] = seq
            b.n_seq_id[j] = 1
            b.logits[j] = logits
            if logits:
                wanted.append(j)
        try:
            self.ctx.decode(self._batch)
        except RuntimeError as exc:
            raise ModelError(f"llama.cpp decoding failed ({exc}); the batch does not fit "
                             f"a context of {self.n_ctx} tokens") from None
        return wanted

    def _row(self, j: int) -> Any:
        """Batch index ``j``'s logits as a numpy view on llama.cpp's buffer (valid until the
        next decode; never written to)."""
        import numpy as np

        return np.ctypeslib.as_array(self.ctx.get_logits_ith(j), shape=(self.n_vocab,))

    def _log_norm(self, row: Any, top: float) -> float:
        """log(sum(exp(row))) given the row's maximum, through one reused scratch buffer."""
        import numpy as np

        if self._scratch is None:
            self._scratch = np.empty(self.n_vocab, dtype=np.float32)
        buf = self._scratch
        np.subtract(row, top, out=buf)
        np.exp(buf, out=buf)
        return top + math.log(float(buf.sum(dtype=np.float64)))

    def logprob_of(self, j: int, token: int) -> float:
        """Log-probability of ``token`` under batch index ``j``'s logits."""
        row = self._row(j)
        return min(0.0, float(row[token]) - self._log_norm(row, float(row.max())))

    def _logits(self, indices: Sequence[int]) -> Any:
        import numpy as np
        import torch

        out = np.empty((len(indices), self.n_vocab), dtype=np.float32)
        for r, j in enumerate(indices):
            out[r] = self._row(j)
        return torch.from_numpy(out)

    def score(self, prefix: Sequence[int], rows: Sequence[tuple[Sequence[int], Sequence[int]]],
              ) -> list[list[float]]:
        """Forced decoding: for each (suffix, target) row, the log-probabilities of the target's
        tokens after prefix + suffix, all rows evaluated in one pass over the shared prefix
        (prompt evaluation only; one row per call keeps a row's scores independent of others)."""
        if len(rows) > self.max_rows:
            raise ModelError(f"llama.cpp scoring pass of {len(rows)} rows; the context holds {self.max_rows}")
        if not prefix and any(not s for s, _ in rows):
            raise ModelError("llama.cpp: empty prompt")
        self.set_prefix(prefix)
        start = len(self._prefix)
        need = start + sum(len(s) + len(t) for s, t in rows)
        if need > self.n_ctx:
            raise ModelError(f"llama.cpp: prompts and renderings of {need} tokens do not fit a context "
                             f"of {self.n_ctx} tokens")
        entries: list[tuple[int, int, int, bool]] = []
        seqs = []
        for r, (suffix, target) in enumerate(rows):
            seq = PREFIX_SEQ + 1 + r
            seqs.append(seq)
            ids, base = list(suffix) + list(target), start
            if not suffix:  # the prefix's last token predicts target[0]: evaluate it again
                self._share_prefix(seq, start - 1)
                ids, base = [self._prefix[-1], *ids], start - 1
            else:
                self._share_prefix(seq, start)
            first = len(ids) - len(target) - 1  # the position whose logits predict target[0]
            if target:
                entries += [(t, base + k, seq, first <= k < len(ids) - 1) for k, t in enumerate(ids)]
        try:
            wanted = iter(self._decode(entries)) if entries else iter(())
            return [[self.logprob_of(next(wanted), int(tok)) for tok in target] for _, target in rows]
        finally:
            for seq in seqs:
                self._rm(seq)

    def set_prefix(self, prefix: Sequence[int]) -> None:
        """Make ``prefix`` the content of the shared sequence.

        A changed prefix is evaluated again from position 0 in one pass, never appended to a
        common start: llama.cpp's numbers depend on how tokens are grouped into passes, and a
        sentence must get the same translation whatever language was translated before it."""
        prefix = list(prefix)
        if prefix == self._prefix:
            return
        self._rm(PREFIX_SEQ)
        self._prefix = []
        if len(prefix) > self.n_ctx // 2:
            raise ModelError(f"prompt prefix of {len(prefix)} tokens is too long for a context of "
                             f"{self.n_ctx} tokens")
        if prefix:
            self._decode([(t, k, PREFIX_SEQ, False) for k, t in enumerate(prefix)])
        self._prefix = prefix

    def session(self, prefix: Sequence[int], suffixes: Sequence[Sequence[int]]) -> LlamaSession:
        if len(suffixes) > self.max_rows:
            raise ModelError(f"llama.cpp session of {len(suffixes)} rows; the context holds {self.max_rows}")
        if not prefix and any(not s for s in suffixes):
            raise ModelError("llama.cpp: empty prompt")
        self.set_prefix(prefix)
        return LlamaSession(self, len(self._prefix), suffixes)


class LlamaLogits:
    """The logits rows of one decode call, left in llama.cpp's buffer until asked for."""

    def __init__(self, model: LlamaCppModel, indices: Sequence[int]) -> None:
        self.m = model
        self.indices = list(indices)

    def __len__(self) -> int:
        return len(self.indices)

    def greedy(self) -> tuple[list[int], list[float]]:
        """Each row's most likely token and its log-probability, read in place."""
        tokens, logprobs = [], []
        for j in self.indices:
            row = self.m._row(j)
            tid = int(row.argmax())
            top = float(row[tid])
            tokens.append(tid)
            logprobs.append(min(0.0, top - self.m._log_norm(row, top)))
        return tokens, logprobs

    def tensor(self) -> Any:
        """A (rows × vocab) float32 torch copy (sampling needs the whole distribution)."""
        return self.m._logits(self.indices)


class LlamaSession:
    """Rows 0..n-1 decoded in sequences 1..n over the shared prefix (see the module docstring).

    ``start()`` and ``step()`` return :class:`LlamaLogits` when ``lazy`` is set (the decoding
    loop's greedy path), a torch tensor otherwise."""

    lazy = True

    def __init__(self, model: LlamaCppModel, prefix_len: int, suffixes: Sequence[Sequence[int]]) -> None:
        self.m = model
        self.seqs = [PREFIX_SEQ + 1 + r for r in range(len(suffixes))]
        self.pos = [prefix_len + len(s) for s in suffixes]
        self.prefix_len = prefix_len
        self.suffixes = [list(s) for s in suffixes]

    def start(self, lazy: bool = False) -> Any:
        """Logits (rows × vocab) after each row's prompt."""
        import torch

        m = self.m
        for seq in self.seqs:
            m._share_prefix(seq, self.prefix_len)
        # Rows go in whole chunks that fit one llama_decode call; logits are read after each.
        chunks: list[list[int]] = [[]]
        size = 0
        for r, s in enumerate(self.suffixes):
            if chunks[-1] and size + len(s) > m.n_ctx:
                chunks.append([])
                size = 0
            chunks[-1].append(r)
            size += len(s)
        if lazy and len(chunks) > 1:
            lazy = False  # a later chunk's decode would overwrite the earlier chunk's logits
        parts = []
        for rows in chunks:
            entries = []
            for r in rows:
                s = self.suffixes[r]
                entries += [(t, self.prefix_len + k, self.seqs[r], k == len(s) - 1) for k, t in enumerate(s)]
            wanted = m._decode(entries)
            if lazy:
                return LlamaLogits(m, wanted)
            parts.append(m._logits(wanted))
        return torch.cat(parts, dim=0)

    def step(self, keep: Sequence[int], tokens: Sequence[int], lazy: bool = False) -> Any:
        """Drop rows not in ``keep`` (indices into the current rows), feed ``tokens`` (one per
        kept row) and return the next logits (kept rows × vocab)."""
        if len(keep) < len(self.seqs):
            kept = set(keep)
            for r, seq in enumerate(self.seqs):
                if r not in kept:
                    self.m._rm(seq)
            self.seqs = [self.seqs[r] for r in keep]
            self.pos = [self.pos[r] for r in keep]
        entries = [(int(t), p, seq, True) for t, p, seq in zip(tokens, self.pos, self.seqs, strict=True)]
        self.pos = [p + 1 for p in self.pos]
        wanted = self.m._decode(entries)
        return LlamaLogits(self.m, wanted) if lazy else self.m._logits(wanted)

    def close(self) -> None:
        for seq in self.seqs:
            self.m._rm(seq)
        self.seqs = []
