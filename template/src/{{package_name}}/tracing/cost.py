"""What a model call cost, in US dollars, from its token counts.

Prices come from `genai-prices`, a maintained table shipped inside the package (no
network). A model the table does not know (a fine-tune, a local or self-hosted model)
is priced from the `LLM_PRICES` setting (`ModelPrice`, defined with the settings and
imported here); one known to neither gets a null cost and one warning per model, never
an exception: tracing must not break a call.

The `fake` provider (offline) follows the same rule, so `app eval` and `app traces`
agree on the same calls: a fake that stands in for a model the table knows (a tier's
fake in `app eval --tiers` answers as `claude-haiku-4-5`, say) is priced as that model;
the plain fake (`fake`) has no price, so its cost is unknown, not $0, unless
`LLM_PRICES` prices it. That unknown is expected offline: it is not warned about.

The table's own calculation (Decimal arithmetic, price units) takes ~90 µs, too much
for the calling thread of every model call, so a model's per-token rates are looked up
once per process and reused; only tiered prices (rates that change past a token count)
go through the table on every call.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..settings import ModelPrice

logger = logging.getLogger(__name__)

#: The app's provider names that `genai-prices` knows under the same id. Others
#: (`openai_compatible`, `ollama`) are matched by model name alone, or not at all.
_TABLE_PROVIDERS = {"openai": "openai", "anthropic": "anthropic", "google": "google"}
#: Providers whose models no public price table can know.
_UNPRICED_PROVIDERS = {"ollama"}
#: The offline test double: priced by the model name it answers under (any provider's),
#: unknown without warning when the table does not know that name.
_STAND_IN_PROVIDERS = {"fake"}


#: `(provider, model)` -> `(input, output)` USD per token, `"tiered"`, or None (unknown).
_rates: dict[tuple[str, str], tuple[float, float] | str | None] = {}
_warned: set[tuple[str, str]] = set()
_lock = threading.Lock()


def cost_usd(
    model: str,
    provider: str,
    input_tokens: int,
    output_tokens: int,
    overrides: Mapping[str, ModelPrice] | None = None,
) -> float | None:
    """The call's cost in USD, or None when the model's price is unknown.

    `overrides` (the `LLM_PRICES` setting) wins over the table; its keys are model names,
    or `provider:model` to price one provider's model only.
    """
    if overrides:
        price = overrides.get(f"{provider}:{model}") or overrides.get(model)
        if price is not None:
            return (
                input_tokens * price.input_per_mtok + output_tokens * price.output_per_mtok
            ) / 1_000_000
    key = (provider, model)
    try:
        rates = _rates[key]
    except KeyError:
        rates = _lookup(key)
    if rates is None:
        if provider not in _STAND_IN_PROVIDERS:
            _warn_once(key)
        return None
    if isinstance(rates, tuple):
        return input_tokens * rates[0] + output_tokens * rates[1]
    return float(_table_price(model, provider, input_tokens, output_tokens).total_price)


def _lookup(key: tuple[str, str]) -> tuple[float, float] | str | None:
    """The model's flat per-token rates from the table, cached for the process."""
    provider, model = key
    rates: tuple[float, float] | str | None = None
    if provider not in _UNPRICED_PROVIDERS:
        try:
            calculation = _table_price(model, provider, 1_000_000, 1_000_000)
        except LookupError:
            rates = None
        else:
            prices = calculation.model_price
            flat = all(
                isinstance(getattr(prices, name, None), Decimal | None)
                for name in ("input_mtok", "output_mtok")
            )
            if flat:
                rates = (
                    float(calculation.input_price) / 1_000_000,
                    float(calculation.output_price) / 1_000_000,
                )
            else:
                rates = "tiered"
    with _lock:
        _rates[key] = rates
    return rates


def _table_price(model: str, provider: str, input_tokens: int, output_tokens: int) -> Any:
    """`genai_prices.calc_price`, imported on first use (the table takes ~0.4 s to load);
    a provider the table does not know (the fake among them) matches by model name."""
    from genai_prices import Usage, calc_price

    usage = Usage(input_tokens=input_tokens, output_tokens=output_tokens)
    return calc_price(usage, model, provider_id=_TABLE_PROVIDERS.get(provider))


def _warn_once(key: tuple[str, str]) -> None:
    if key in _warned:
        return
    with _lock:
        if key in _warned:
            return
        _warned.add(key)
    provider, model = key
    logger.warning(
        "no price known for model %r (provider %s): its cost is recorded as unknown; "
        'set LLM_PRICES=\'{"%s": {"input_per_mtok": ..., "output_per_mtok": ...}}\' to price it',
        model,
        provider,
        model,
    )
