"""Pages: sign-in and out, first-account setup, password reset and change, join and intake sign-ups,
the coach's roster and the athlete's own profile.

Views only translate between HTTP and vault.accounts.services / selectors; every rule lives there.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse_lazy
from django.views.decorators.http import require_POST

from vault.accounts import ratelimit, selectors, services
from vault.accounts.access import is_admin, is_coach_of, own_athlete
from vault.accounts.forms import (
    TIME_ZONES,
    AccountEmailForm,
    AccountForm,
    AthleteCreateForm,
    AthleteSignupForm,
    IntakeForm,
    IntakeLinkForm,
    JoinLinkForm,
    ProfileFieldsForm,
    SignInForm,
    add_service_errors,
)
from vault.coaching.selectors import roster_coaching

# Django's form views answer PUT through post(). A browser form never sends PUT, so these pages accept
# only what they are built for, and the access matrix has a row for each accepted method.
FORM_METHODS = ["get", "post", "head", "options"]


# --- sign-in, sign-out, first account


class SignInView(auth_views.LoginView):
    http_method_names = FORM_METHODS
    template_name = "web/accounts/signin.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        # With no account at all, the only way in is creating the first one.
        return super().get_context_data(setup_available=not services.any_user_exists(), **kwargs)


def setup(request):
    """The first account, as admin. Gone (404) as soon as any account exists."""
    if services.any_user_exists():
        raise Http404("Setup is done.")
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.first_admin_create(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                email=form.cleaned_data["email"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome, {user.username}. You are the admin of this Athlete Vault.")
            return redirect("web:dashboard")
    return render(request, "web/accounts/setup.html", {"form": form})


# --- password reset (Django's views; the answer is the same whether or not the account exists)


class PasswordResetView(auth_views.PasswordResetView):
    http_method_names = FORM_METHODS
    template_name = "web/accounts/password_reset_form.html"
    email_template_name = "web/accounts/password_reset_email.txt"
    subject_template_name = "web/accounts/password_reset_subject.txt"
    success_url = reverse_lazy("web:password-reset-sent")

    def form_valid(self, form):
        if not ratelimit.reset_mail_allowed(address=ratelimit.client_address(self.request)):
            return redirect(self.success_url)  # the same answer as always; only the e-mail is skipped
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    http_method_names = FORM_METHODS
    template_name = "web/accounts/password_reset_confirm.html"
    success_url = reverse_lazy("web:password-reset-complete")


class PasswordChangeView(auth_views.PasswordChangeView):
    http_method_names = FORM_METHODS
    template_name = "web/accounts/password_change.html"
    success_url = reverse_lazy("web:profile")

    def form_valid(self, form):
        messages.success(self.request, "Your password is changed.")
        return super().form_valid(form)


# --- sign-up through a coach's links


def _signed_in_elsewhere(request, template: str, context: dict):
    return render(request, template, {**context, "signed_in_as": request.user})


def join(request, token: str):
    link = selectors.join_link_by_token(token)
    context = {"link": link, "time_zones": TIME_ZONES}
    problem = services.join_link_problem(link)
    if problem:
        return render(request, "web/accounts/link_closed.html", {"problem": problem}, status=410)
    if request.user.is_authenticated:
        return _join_signed_in(request, link, context)
    form = AthleteSignupForm(request.POST or None)
    status = 200
    if request.method == "POST":
        try:
            ratelimit.signup_attempt(address=ratelimit.client_address(request))
        except ratelimit.RateLimited as exc:
            form.is_valid()
            form.add_error(None, str(exc))
            status = 429
        else:
            if form.is_valid():
                try:
                    athlete = services.join_link_signup(
                        link=link,
                        username=form.cleaned_data["username"],
                        password=form.cleaned_data["password1"],
                        email=form.cleaned_data["email"],
                        profile=form.profile_data(),
                    )
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    return _welcome(request, athlete, link.coach)
    return render(request, "web/accounts/join.html", {**context, "form": form}, status=status)


def _join_signed_in(request, link, context):
    """A signed-in athlete joins with one button (a second coach, say); anyone else must sign out first."""
    athlete = own_athlete(request.user)
    if athlete is not None and request.method == "POST" and "join_existing" in request.POST:
        try:
            services.join_link_accept(link=link, athlete=athlete)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"You are now on {link.coach.username}'s roster.")
        return redirect("web:profile")
    context = {
        **context,
        "signed_in_as": request.user,
        "existing_athlete": athlete,
        "already_on_roster": athlete is not None and is_coach_of(link.coach, athlete),
    }
    return render(request, "web/accounts/join.html", context)


def intake(request, token: str):
    link = selectors.intake_link_by_token(token)
    context = {"link": link, "time_zones": TIME_ZONES}
    problem = services.intake_link_problem(link)
    if problem:
        return render(request, "web/accounts/link_closed.html", {"problem": problem}, status=410)
    if request.user.is_authenticated:
        return _signed_in_elsewhere(request, "web/accounts/intake.html", context)
    form = IntakeForm(request.POST or None, initial={"email": link.email})
    if request.method == "POST" and form.is_valid():
        try:
            athlete = services.intake_link_complete(
                link=link,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                email=form.cleaned_data["email"],
                profile=form.profile_data(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _welcome(request, athlete, link.coach)
    return render(request, "web/accounts/intake.html", {**context, "form": form})


def _welcome(request, athlete, coach):
    login(request, athlete.user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, f"Welcome, {athlete.name}. You are on {coach.username}'s roster.")
    return redirect("web:dashboard")


# --- the coach's roster


def _coach_only(view):
    """Signed-in coaches only; anyone else signed in finds nothing here (404, as for others' data)."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_coach:
            raise Http404("Not a coach.")
        return view(request, *args, **kwargs)

    return wrapped


def _roster_page(request, *, join_form=None, intake_form=None):
    user = request.user
    links = list(selectors.roster_links(user))
    # The same concerning mark and unread counts as the dashboard's roster table, from the same selector.
    coaching = roster_coaching(user, list({link.athlete_id: link.athlete for link in links}.values()))
    for link in links:
        link.coaching = coaching[link.athlete_id]
    context = {
        "links": links,
        "ended_links": selectors.ended_roster_links(user)[:50],
        "is_coach": user.is_coach,
    }
    if user.is_coach:
        context.update(
            join_links=selectors.join_links_of(user),
            intake_links=selectors.intake_links_of(user),
            join_form=join_form or JoinLinkForm(),
            intake_form=intake_form or IntakeLinkForm(),
        )
    return render(request, "web/accounts/roster.html", context)


@login_required
def roster(request):
    """A coach's athletes and invitations; admin sees every active link (and manages the rest in the admin)."""
    if not (request.user.is_coach or is_admin(request.user)):
        raise Http404("No roster here.")
    return _roster_page(request)


@require_POST
@_coach_only
def roster_join_link_create(request):
    form = JoinLinkForm(request.POST)
    if form.is_valid():
        try:
            services.join_link_create(
                coach=request.user,
                label=form.cleaned_data["label"],
                expires_at=form.expires_at,
                max_signups=form.cleaned_data["max_signups"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Join link created; share its address with your athletes.")
            return redirect("web:roster")
    return _roster_page(request, join_form=form)


@require_POST
@_coach_only
def roster_join_link_revoke(request, link_id: int):
    link = selectors.join_link_for(request.user, link_id)
    services.join_link_revoke(link=link, by=request.user)
    messages.success(request, "Join link withdrawn; nobody can sign up with it any more.")
    return redirect("web:roster")


@require_POST
@_coach_only
def roster_intake_link_create(request):
    form = IntakeLinkForm(request.POST)
    if form.is_valid():
        try:
            services.intake_link_create(
                coach=request.user,
                email=form.cleaned_data["email"],
                note=form.cleaned_data["note"],
                expires_at=form.expires_at,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Intake link created; it works once.")
            return redirect("web:roster")
    return _roster_page(request, intake_form=form)


@_coach_only
def roster_athlete_create(request):
    form = AthleteCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.athlete_create(
                coach=request.user,
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                profile=form.profile_data(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            # Rendered, not redirected: the temporary password exists only in this response.
            return render(request, "web/accounts/athlete_created.html", {"created": created})
    return render(request, "web/accounts/athlete_create.html", {"form": form, "time_zones": TIME_ZONES})


@require_POST
@login_required
def coach_link_end(request, link_id: int):
    """Either side ends the relationship: the coach from the roster, the athlete from their profile."""
    link = selectors.link_for(request.user, link_id)
    try:
        services.coach_link_end(link=link, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{link.coach.username} no longer coaches {link.athlete.name}.")
    if link.athlete.user_id == request.user.pk:
        return redirect("web:profile")
    return redirect("web:roster")


# --- one's own profile


@login_required
def profile(request):
    """Everyone's account (e-mail for password resets); an athlete's profile and coaches besides."""
    user = request.user
    athlete = own_athlete(user)
    posted = request.POST.get("form", "profile") if request.method == "POST" else None
    email_form = AccountEmailForm(
        request.POST if posted == "account" else None, initial={"email": user.email}
    )
    form = None
    if athlete is not None:
        initial = {f: getattr(athlete, f) for f in ("name", "sex", "birth_date", "time_zone", "units")}
        form = ProfileFieldsForm(request.POST if posted == "profile" else None, initial=initial)
    if posted == "account" and email_form.is_valid():
        try:
            services.user_email_update(user=user, email=email_form.cleaned_data["email"])
        except ValidationError as exc:
            add_service_errors(email_form, exc)
        else:
            messages.success(request, "E-mail address saved.")
            return redirect("web:profile")
    elif posted == "profile":
        if form is None:
            raise Http404("No athlete profile to edit.")
        if form.is_valid():
            try:
                services.athlete_profile_update(athlete=athlete, profile=form.profile_data())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Profile saved.")
                return redirect("web:profile")
    context = {
        "athlete": athlete,
        "form": form,
        "email_form": email_form,
        "coach_links": selectors.coach_links_of(athlete) if athlete else [],
        "time_zones": TIME_ZONES,
    }
    return render(request, "web/accounts/profile.html", context)


urlpatterns = [
    path("signin/", SignInView.as_view(), name="signin"),
    path("signout/", auth_views.LogoutView.as_view(), name="signout"),
    path("setup/", setup, name="setup"),
    path("password-reset/", PasswordResetView.as_view(), name="password-reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="web/accounts/password_reset_sent.html"),
        name="password-reset-sent",
    ),
    path("reset/<uidb64>/<token>/", PasswordResetConfirmView.as_view(), name="password-reset-confirm"),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="web/accounts/password_reset_complete.html"
        ),
        name="password-reset-complete",
    ),
    path("password/", PasswordChangeView.as_view(), name="password-change"),
    path("join/<str:token>/", join, name="join"),
    path("intake/<str:token>/", intake, name="intake"),
    path("roster/", roster, name="roster"),
    path("roster/athletes/new/", roster_athlete_create, name="roster-athlete-create"),
    path("roster/join-links/new/", roster_join_link_create, name="roster-join-link-create"),
    path("roster/join-links/<int:link_id>/revoke/", roster_join_link_revoke, name="roster-join-link-revoke"),
    path("roster/intake-links/new/", roster_intake_link_create, name="roster-intake-link-create"),
    path("roster/links/<int:link_id>/end/", coach_link_end, name="coach-link-end"),
    path("profile/", profile, name="profile"),
]
