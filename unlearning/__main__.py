"""`python -m ecoguard.unlearning ...` (also `accelerate launch -m ecoguard.unlearning ...`, `torchrun -m ...`)."""

from .cli import app

app()
