"""Forms for sign-in, the first account, sign-ups through links, the roster and the profile page.

Forms check what a person typed and say what is wrong per field; the services re-check the rules that
must hold whoever calls them, and `add_service_errors` puts their answers back on the right fields.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.exceptions import ValidationError
from django.utils import timezone

from vault.accounts import ratelimit, services
from vault.accounts.models import Sex, Units, User, validate_time_zone

TIME_ZONES = sorted(zoneinfo.available_timezones())
OLDEST_BIRTH_DATE = dt.date(1900, 1, 1)


class SignInForm(AuthenticationForm):
    """Django's sign-in form, with the per-account and per-address limits of services.signin_authenticate."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = services.signin_authenticate(
                    request=self.request, username=username, password=password
                )
            except ratelimit.RateLimited as exc:
                raise ValidationError(str(exc), code="rate_limited") from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class AccountForm(UserCreationForm):
    """Username, e-mail and a password typed twice (Django's validators: length, common, similarity)."""

    email = forms.EmailField(required=False, help_text="Used only to send you a password-reset link.")

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")


class AccountEmailForm(forms.Form):
    email = forms.EmailField(
        required=False, help_text="Where a password-reset link goes. Empty: no resets by e-mail."
    )


class ProfileFieldsForm(forms.Form):
    """The athlete profile: name, sex, birth date, time zone, units."""

    birth_date_required = False

    name = forms.CharField(max_length=150)
    sex = forms.ChoiceField(choices=Sex.choices, initial=Sex.UNSPECIFIED)
    birth_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    time_zone = forms.CharField(
        max_length=64,
        initial="UTC",
        validators=[validate_time_zone],
        widget=forms.TextInput(attrs={"list": "time-zones", "autocomplete": "off"}),
        help_text="An IANA name such as Europe/Berlin or America/New_York.",
    )
    units = forms.ChoiceField(choices=Units.choices, initial=Units.METRIC)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["birth_date"].required = self.birth_date_required

    def clean_birth_date(self):
        born = self.cleaned_data.get("birth_date")
        if born is not None and born > timezone.localdate():
            raise ValidationError("The birth date is in the future.")
        if born is not None and born < OLDEST_BIRTH_DATE:
            raise ValidationError(f"The birth date is before {OLDEST_BIRTH_DATE:%Y}; check the year.")
        return born

    def profile_data(self) -> services.AthleteProfileData:
        data = self.cleaned_data
        return services.AthleteProfileData(
            name=data["name"],
            sex=data["sex"],
            birth_date=data.get("birth_date"),
            time_zone=data["time_zone"],
            units=data["units"],
        )


class AthleteSignupForm(ProfileFieldsForm, AccountForm):
    """Sign-up through a coach's join link: account and profile on one page."""

    field_order = [
        "name",
        "username",
        "email",
        "password1",
        "password2",
        "sex",
        "birth_date",
        "time_zone",
        "units",
    ]


class IntakeForm(AthleteSignupForm):
    """The single-use intake link collects the whole profile, so the birth date is required."""

    birth_date_required = True


class AthleteCreateForm(ProfileFieldsForm):
    """A coach creates an athlete: profile and username; the password is generated and shown once."""

    field_order = ["name", "username", "email", "sex", "birth_date", "time_zone", "units"]

    username = forms.CharField(
        max_length=150, help_text="Letters, digits and @/./+/-/_ only; the athlete signs in with it."
    )
    email = forms.EmailField(required=False)

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError("A user with that username already exists.")
        return username


def _expiry_from_date(last_day: dt.date | None) -> dt.datetime | None:
    """A link valid 'until' a date stays usable through that whole day (UTC)."""
    if last_day is None:
        return None
    return dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)


class LinkExpiryForm(forms.Form):
    valid_until = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Last day the link works (UTC). Empty: no expiry.",
    )

    def clean_valid_until(self):
        last_day = self.cleaned_data.get("valid_until")
        if last_day is not None and last_day < timezone.now().date():
            raise ValidationError("That day has already passed; pick today or a later day.")
        return last_day

    @property
    def expires_at(self) -> dt.datetime | None:
        return _expiry_from_date(self.cleaned_data.get("valid_until"))


class JoinLinkForm(LinkExpiryForm):
    label = forms.CharField(max_length=100, required=False, help_text="For you, e.g. 'Spring squad'.")
    max_signups = forms.IntegerField(
        required=False, min_value=1, help_text="How many athletes may sign up with it. Empty: no cap."
    )


class IntakeLinkForm(LinkExpiryForm):
    email = forms.EmailField(required=False, help_text="Filled in for the athlete; optional.")
    note = forms.CharField(max_length=200, required=False, help_text="For you, e.g. the athlete's name.")


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names, else at the top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    aliases = {"password": "password2"}
    for field, messages in error.message_dict.items():
        target = aliases.get(field, field)
        form.add_error(target if target in form.fields else None, messages)
