"""Weight-editing unlearning as batch jobs: SKU, Deliberate Imagination, Exclusive Unlearning, GA, GradDiff.

One shared trainer (`trainer.py`, a Hugging Face `Trainer` subclass) and one small module per method
(`methods/`), essentially its loss. CLI: `ecoguard unlearn ...` (cli.py). See README.md.
"""
