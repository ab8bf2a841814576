"""A small transformer language model for notebook 09, trained from scratch in seconds.

The model is a decoder-only transformer (GPT's layout at toy size): token and position
embeddings, two pre-norm blocks of causal self-attention and an MLP, a final layer norm and a
linear map back to the vocabulary. It reads a prompt of ``gmlib.suggestions`` word by word and
is trained on one next-token prediction per prompt: the word after ``answer:``, which is
``yes`` or ``no``. (The other next words are random digits or fixed template words; training
on them would teach nothing about the question.) Its answer is whichever of ``yes`` and ``no``
it gives the higher probability.

    result = train_lm(make_prompts(20_000, seed=0), seed=0)
    answers(result.model, three_versions(2000, seed=1)["wrong"].text)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from gmlib.suggestions import PROMPT_LENGTH, TOKEN, WORDS, Prompts, encode
from gmlib.threads import torch_threads

_YES, _NO = TOKEN["yes"], TOKEN["no"]


def _threads() -> int:
    """Two threads where torch may use two: about twice as fast as one for this model on a
    two-core machine (the course's tile models are smaller and prefer one), and the same
    number on every larger machine. Where fewer are allowed (the grader's sandbox sets
    OMP_NUM_THREADS=1, because several notebooks are graded side by side), that many: more
    threads than cores make torch's waiting threads compete and every run crawl."""
    return max(1, min(2, torch.get_num_threads()))


class TinyTransformer(nn.Module):
    """A decoder-only transformer over the task's words."""

    def __init__(self, d_model: int = 64, n_layers: int = 2, n_heads: int = 4):
        super().__init__()
        self.embed = nn.Embedding(len(WORDS), d_model)
        self.position = nn.Parameter(torch.randn(PROMPT_LENGTH, d_model) * 0.02)
        self.blocks = nn.ModuleList(
            nn.TransformerEncoderLayer(d_model, n_heads, 4 * d_model, dropout=0.0,
                                       batch_first=True, norm_first=True)
            for _ in range(n_layers))
        self.norm = nn.LayerNorm(d_model)
        self.unembed = nn.Linear(d_model, len(WORDS))
        # Each position attends to itself and the words before it, as in a language model.
        self.register_buffer("causal", nn.Transformer.generate_square_subsequent_mask(PROMPT_LENGTH),
                             persistent=False)

    def residual(self, tokens: torch.Tensor) -> list[torch.Tensor]:
        """The residual stream after the embeddings and after each block: (n, words, d) each."""
        h = self.embed(tokens) + self.position[: tokens.shape[1]]
        streams = [h]
        mask = self.causal[: tokens.shape[1], : tokens.shape[1]]
        for block in self.blocks:
            h = block(h, src_mask=mask, is_causal=True)
            streams.append(h)
        return streams

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """Next-word logits at every position: (n, words, vocabulary)."""
        return self.unembed(self.norm(self.residual(tokens)[-1]))


def make_lm(seed: int = 0, **sizes: int) -> TinyTransformer:
    """A freshly initialised model; the same ``seed`` gives the same weights."""
    torch.manual_seed(seed)
    return TinyTransformer(**sizes)


@dataclass
class LMResult:
    model: TinyTransformer
    losses: list[float] = field(default_factory=list)  #: training loss of every step


def train_lm(prompts: Prompts, *, steps: int = 600, batch_size: int = 128, lr: float = 2e-3,
             seed: int = 0, progress: bool = True) -> LMResult:
    """Train a new model to predict each prompt's right answer after ``answer:``.

    Mini-batches of ``batch_size`` prompts are drawn (seeded by ``seed``, as are the initial
    weights) from ``prompts`` for ``steps`` steps of AdamW; the loss is the cross-entropy of
    the answer word over the whole vocabulary.
    """
    if steps < 1 or batch_size < 1 or lr <= 0:
        raise ValueError(f"steps and batch_size must be >= 1 and lr > 0, "
                         f"got {steps}, {batch_size} and {lr}")
    if len(prompts) == 0:
        raise ValueError("cannot train on no prompts")
    tokens = torch.as_tensor(encode(prompts.text))
    target = torch.as_tensor(np.where(np.asarray(prompts.answer) == 1, _YES, _NO))
    model = make_lm(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    order = torch.Generator().manual_seed(seed)
    result = LMResult(model)
    bar = tqdm(total=steps, desc="training the transformer", disable=not progress, leave=False)
    model.train()
    with torch_threads(_threads()):
        for step in range(steps):
            idx = torch.randint(len(tokens), (batch_size,), generator=order)
            loss = nn.functional.cross_entropy(model(tokens[idx])[:, -1], target[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            result.losses.append(loss.item())
            bar.update(1)
            if step % 50 == 0:
                bar.set_postfix(loss=f"{result.losses[-1]:.3f}")
    bar.close()
    model.eval()
    return result


@torch.no_grad()
def p_yes(model: TinyTransformer, texts: list[str], batch_size: int = 2048) -> np.ndarray:
    """The probability the model gives ``yes`` against ``no`` after each prompt."""
    tokens = torch.as_tensor(encode(texts))
    out = []
    with torch_threads(_threads()):
        for i in range(0, len(tokens), batch_size):
            logits = model(tokens[i:i + batch_size])[:, -1, [_YES, _NO]]
            out.append(torch.softmax(logits, dim=1)[:, 0].numpy())
    return np.concatenate(out) if out else np.zeros(0)


def answers(model: TinyTransformer, texts: list[str]) -> np.ndarray:
    """The model's answer to each prompt: 1 for yes, 0 for no."""
    return (p_yes(model, texts) > 0.5).astype(np.int64)
