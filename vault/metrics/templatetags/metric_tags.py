from django import template

from vault.metrics.types import age_text

register = template.Library()


@register.filter
def age(days: int) -> str:
    """A value's age in days as words: "today", "3 days", "5 weeks"."""
    return age_text(int(days))
