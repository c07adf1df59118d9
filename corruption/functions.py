"""ECO corruption functions: pure maps of prompt embeddings [T, d] -> [T, d].

Every function has the signature

    fn(embeddings: Tensor[T, d], mask: BoolTensor[T], *, k: int,
       sigma: float | Tensor[k], generator: torch.Generator | None) -> Tensor[T, d]

and returns a NEW tensor (the input is never modified) in the input's dtype and device; only the rows
where `mask` is True change. The arithmetic is done in float32 and cast back at the end.

Decisions (written down because the paper's code leaves them implicit):
- Randomness (Gaussian noise, random dimensions) is always drawn from `generator` on the CPU in float32,
  then moved/cast, so the same seed gives bit-identical results on every backend (embedded, vLLM, GPU).
  Noise is drawn as one [n_masked, k] block, masked rows in position order (as the authors' code does).
- `sigma` is a scalar or a per-dimension vector of length k (the "vector corruption"). For *_first_n the
  j-th entry applies to dimension j; for *_top_k to the j-th largest dimension of each token (rank order);
  for rand_noise_rand_n to the j-th randomly drawn dimension.
- rand_noise_rand_n draws ONE set of k dimensions per call, shared by all masked tokens (as the authors).
- *_top_k rank dimensions per token by |e| (ties broken by torch.topk), except sub_value_top_k, which
  ranks by the signed value (largest entries are reduced), as in the authors' code.
- zero_out_* and flip_sign_* ignore sigma and the generator.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor

SigmaLike = float | int | Sequence[float] | Tensor


def _check(embeddings: Tensor, mask: Tensor, k: int) -> tuple[int, int]:
    if embeddings.dim() != 2:
        raise ValueError(f"embeddings must be [T, d], got shape {tuple(embeddings.shape)}")
    T, d = embeddings.shape
    if mask.dim() != 1 or mask.shape[0] != T:
        raise ValueError(f"mask must be [T]={T}, got shape {tuple(mask.shape)}")
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= d:
        raise ValueError(f"k must be an int in 1..{d}, got {k!r}")
    return T, d


def _sigma(sigma: SigmaLike, k: int) -> Tensor:
    """sigma as a float32 CPU tensor broadcastable to [n, k] (shape [] or [k])."""
    s = torch.as_tensor(sigma, dtype=torch.float32).detach().cpu()
    if s.dim() == 0:
        return s
    s = s.reshape(-1)
    if s.numel() == 1:
        return s[0]
    if s.numel() != k:
        raise ValueError(f"vector sigma must have length k={k}, got {s.numel()}")
    return s


def _need_gen(generator: torch.Generator | None, name: str) -> torch.Generator:
    if generator is None:
        raise ValueError(f"{name} draws random numbers: pass a torch.Generator")
    if generator.device.type != "cpu":
        raise ValueError(f"{name}: the generator must be a CPU generator (bit-identical noise on every backend)")
    return generator


def _noise(n: int, k: int, generator: torch.Generator) -> Tensor:
    return torch.randn((n, k), generator=generator, dtype=torch.float32, device="cpu")


def _split(embeddings: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
    """(index of masked rows on the embeddings' device, their values as float32 CPU [n, d])."""
    idx = torch.nonzero(mask.to(torch.bool).cpu(), as_tuple=False).reshape(-1)
    rows = embeddings.detach().index_select(0, idx.to(embeddings.device)).to("cpu", torch.float32)
    return idx, rows


def _merge(embeddings: Tensor, idx: Tensor, rows: Tensor) -> Tensor:
    out = embeddings.detach().clone()
    if idx.numel():
        out[idx.to(out.device)] = rows.to(device=out.device, dtype=out.dtype)
    return out


def _top_k(rows: Tensor, k: int, by_abs: bool = True) -> Tensor:
    key = rows.abs() if by_abs else rows
    return torch.topk(key, k, dim=1, largest=True, sorted=True).indices


# ---------------------------------------------------------------- the functions


def rand_noise_first_n(embeddings, mask, *, k, sigma, generator):
    """e[:k] += N(0, sigma^2) on masked tokens (ECO's main method)."""
    _check(embeddings, mask, k)
    g = _need_gen(generator, "rand_noise_first_n")
    idx, rows = _split(embeddings, mask)
    rows[:, :k] += _noise(rows.shape[0], k, g) * _sigma(sigma, k)
    return _merge(embeddings, idx, rows)


def rand_noise_rand_n(embeddings, mask, *, k, sigma, generator):
    """N(0, sigma^2) added on k random dimensions (one draw per call, shared by all masked tokens)."""
    _, d = _check(embeddings, mask, k)
    g = _need_gen(generator, "rand_noise_rand_n")
    idx, rows = _split(embeddings, mask)
    dims = torch.randperm(d, generator=g, device="cpu")[:k]
    rows[:, dims] += _noise(rows.shape[0], k, g) * _sigma(sigma, k)
    return _merge(embeddings, idx, rows)


def rand_noise_top_k(embeddings, mask, *, k, sigma, generator):
    """N(0, sigma^2) added on each token's k largest-|e| dimensions."""
    _check(embeddings, mask, k)
    g = _need_gen(generator, "rand_noise_top_k")
    idx, rows = _split(embeddings, mask)
    top = _top_k(rows, k)
    vals = rows.gather(1, top) + _noise(rows.shape[0], k, g) * _sigma(sigma, k)
    rows.scatter_(1, top, vals)
    return _merge(embeddings, idx, rows)


def zero_out_first_n(embeddings, mask, *, k, sigma=0.0, generator=None):
    """e[:k] = 0 on masked tokens."""
    _check(embeddings, mask, k)
    idx, rows = _split(embeddings, mask)
    rows[:, :k] = 0.0
    return _merge(embeddings, idx, rows)


def zero_out_top_k(embeddings, mask, *, k, sigma=0.0, generator=None):
    """Each masked token's k largest-|e| dimensions set to 0."""
    _check(embeddings, mask, k)
    idx, rows = _split(embeddings, mask)
    rows.scatter_(1, _top_k(rows, k), 0.0)
    return _merge(embeddings, idx, rows)


def flip_sign_first_n(embeddings, mask, *, k, sigma=0.0, generator=None):
    """e[:k] = -e[:k] on masked tokens."""
    _check(embeddings, mask, k)
    idx, rows = _split(embeddings, mask)
    rows[:, :k] = -rows[:, :k]
    return _merge(embeddings, idx, rows)


def flip_sign_top_k(embeddings, mask, *, k, sigma=0.0, generator=None):
    """Each masked token's k largest-|e| dimensions negated."""
    _check(embeddings, mask, k)
    idx, rows = _split(embeddings, mask)
    top = _top_k(rows, k)
    rows.scatter_(1, top, -rows.gather(1, top))
    return _merge(embeddings, idx, rows)


def add_value_first_n(embeddings, mask, *, k, sigma, generator=None):
    """e[:k] += sigma on masked tokens."""
    _check(embeddings, mask, k)
    idx, rows = _split(embeddings, mask)
    rows[:, :k] += _sigma(sigma, k)
    return _merge(embeddings, idx, rows)


def sub_value_first_n(embeddings, mask, *, k, sigma, generator=None):
    """e[:k] -= sigma on masked tokens."""
    _check(embeddings, mask, k)
    idx, rows = _split(embeddings, mask)
    rows[:, :k] -= _sigma(sigma, k)
    return _merge(embeddings, idx, rows)


def sub_value_top_k(embeddings, mask, *, k, sigma, generator=None):
    """sigma subtracted from each masked token's k largest (signed) dimensions."""
    _check(embeddings, mask, k)
    idx, rows = _split(embeddings, mask)
    top = _top_k(rows, k, by_abs=False)
    rows.scatter_(1, top, rows.gather(1, top) - _sigma(sigma, k))
    return _merge(embeddings, idx, rows)


CorruptionFn = Callable[..., Tensor]

CORRUPTIONS: dict[str, CorruptionFn] = {
    "rand_noise_first_n": rand_noise_first_n,
    "rand_noise_rand_n": rand_noise_rand_n,
    "rand_noise_top_k": rand_noise_top_k,
    "zero_out_first_n": zero_out_first_n,
    "zero_out_top_k": zero_out_top_k,
    "flip_sign_first_n": flip_sign_first_n,
    "flip_sign_top_k": flip_sign_top_k,
    "add_value_first_n": add_value_first_n,
    "sub_value_first_n": sub_value_first_n,
    "sub_value_top_k": sub_value_top_k,
}

#: Functions that draw random numbers (need a generator; sigma is a noise scale).
RANDOM_CORRUPTIONS = frozenset({"rand_noise_first_n", "rand_noise_rand_n", "rand_noise_top_k"})
#: Functions that ignore sigma.
SIGMA_FREE_CORRUPTIONS = frozenset({"zero_out_first_n", "zero_out_top_k", "flip_sign_first_n", "flip_sign_top_k"})


def corrupt(
    name: str,
    embeddings: Tensor,
    mask: Tensor,
    *,
    k: int,
    sigma: SigmaLike = 0.0,
    generator: torch.Generator | None = None,
) -> Tensor:
    """Apply the registered corruption `name`; ValueError (listing the valid names) for an unknown one."""
    fn = CORRUPTIONS.get(name)
    if fn is None:
        raise ValueError(f"unknown corruption {name!r}; valid: {', '.join(sorted(CORRUPTIONS))}")
    return fn(embeddings, mask, k=k, sigma=sigma, generator=generator)
