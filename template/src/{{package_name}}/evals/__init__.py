"""The eval suite: datasets of cases, each a prompt's inputs and assertions on its answer.

Evals are the unit tests of an LLM app: they pin what the prompts must do, so a prompt
or model change that breaks a case fails `app eval` (and CI) like a failing test.
"""

from .assertions import Observed
from .dataset import Case, DatasetError, load_dataset
from .runner import CaseResult, Output, PromptTarget, Run, run_cases

__all__ = [
    "Case",
    "CaseResult",
    "DatasetError",
    "Observed",
    "Output",
    "PromptTarget",
    "Run",
    "load_dataset",
    "run_cases",
]
