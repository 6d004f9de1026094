"""A model of the challenge lifecycle driving the real services with Hypothesis.

Random actions by random people (the enterprise, a rival enterprise, researchers of three units,
experts, the admin, nobody) and moves of the controlled clock, interleaved with a `progress` rule
that takes the next sensible step so that examples reach the award, the contract and completion.
The rules below restate the lifecycle independently of `webapp.challenges.lifecycle`: which state
an action needs and who may do it. After every step:

- a refused action changed nothing (no state, row, audit event or notification);
- an action that succeeded was legal: allowed state, allowed person, allowed time;
- the state only moved along an allowed edge, and every move wrote exactly one audit event;
- awards never exceed winners_max and exist exactly from the award on; milestone money adds up to
  the bounty; the payments due never exceed it and equal it at completion; one lodged
  application per unit; nothing lodged or withdrawn after the deadline.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from tests import clock
from tests.challenges import factory
from webapp.challenges import applications, deadlines, delivery, permissions, posting, review
from webapp.challenges import award as awarding
from webapp.challenges.errors import ChallengeError
from webapp.challenges.models import (
    Application,
    ApplicationStatus,
    Award,
    ChallengeStatus,
    ConflictDeclaration,
    ExpertAssignment,
    MilestoneStatus,
    Objection,
    ObjectionStatus,
    Review,
    UnitKind,
)
from webapp.challenges.posting import MilestoneInput
from webapp.core.audit import AuditEvent
from webapp.core.permissions import PermissionDenied
from webapp.extensions import db
from webapp.notifications.models import Notification

S = ChallengeStatus
A = ApplicationStatus
M = MilestoneStatus

ACTORS = ["owner", "rival", "tju", "tju_2", "nku", "institute", "expert_tju", "expert", "expert_2", "admin", "nobody"]
APPLICANTS = {
    "rival": ("enterprise", UnitKind.ENTERPRISE),
    "tju": (factory.TJU, UnitKind.UNIVERSITY),
    "tju_2": (factory.TJU, UnitKind.UNIVERSITY),
    "nku": (factory.NKU, UnitKind.UNIVERSITY),
    "institute": (factory.INSTITUTE, UnitKind.INSTITUTE),
}
EXPERTS = ["expert_tju", "expert", "expert_2"]
DELIVERY = (S.PUBLISHED, S.FORMAL_CHECK, S.REVIEW, S.NOTICE, S.AWARDED, S.CONTRACTED, S.IN_PROGRESS, S.ACCEPTANCE)

# The lifecycle as the product brief states it: every allowed move of the challenge's state.
EDGES = {
    (S.DRAFT, S.SUBMITTED),
    (S.DRAFT, S.WITHDRAWN),
    (S.SUBMITTED, S.RETURNED),
    (S.SUBMITTED, S.PUBLISHED),
    (S.SUBMITTED, S.WITHDRAWN),
    (S.RETURNED, S.SUBMITTED),
    (S.RETURNED, S.WITHDRAWN),
    (S.PUBLISHED, S.FORMAL_CHECK),
    (S.PUBLISHED, S.FAILED),
    (S.PUBLISHED, S.WITHDRAWN),
    (S.FORMAL_CHECK, S.REVIEW),
    (S.FORMAL_CHECK, S.FAILED),
    (S.REVIEW, S.NOTICE),
    (S.NOTICE, S.REVIEW),
    (S.NOTICE, S.AWARDED),
    (S.AWARDED, S.CONTRACTED),
    (S.CONTRACTED, S.IN_PROGRESS),
    (S.IN_PROGRESS, S.ACCEPTANCE),
    (S.ACCEPTANCE, S.COMPLETED),
    *((state, S.TERMINATED) for state in DELIVERY),
}
# Per action: the states it may succeed in and who may take it.
SPEC = {
    "edit": ({S.DRAFT, S.RETURNED}, "owner"),
    "submit": ({S.DRAFT, S.RETURNED}, "owner"),
    "return": ({S.SUBMITTED}, "admin"),
    "publish": ({S.SUBMITTED}, "admin"),
    "withdraw": ({S.DRAFT, S.SUBMITTED, S.RETURNED, S.PUBLISHED}, "owner"),
    "apply": ({S.PUBLISHED}, "applicant"),
    "withdraw_application": ({S.PUBLISHED}, "applicant"),
    "check": ({S.FORMAL_CHECK}, "admin"),
    "finish_check": ({S.FORMAL_CHECK}, "admin"),
    "assign": ({S.FORMAL_CHECK, S.REVIEW}, "admin"),
    "declare": ({S.FORMAL_CHECK, S.REVIEW}, "expert"),
    "score": ({S.REVIEW}, "expert"),
    "revision": ({S.REVIEW}, "admin"),
    "propose": ({S.REVIEW}, "admin"),
    "object": ({S.NOTICE}, "anyone"),
    "resolve": ({S.NOTICE, S.REVIEW}, "admin"),
    "award": ({S.NOTICE}, "admin"),
    "confirm": ({S.AWARDED}, "party"),
    "report": ({S.CONTRACTED, S.IN_PROGRESS}, "winner"),
    "decide": ({S.IN_PROGRESS}, "owner"),
    "accept": ({S.ACCEPTANCE}, "owner"),
    "terminate": (set(DELIVERY), "admin"),
}
ORDER = [
    S.DRAFT,
    S.SUBMITTED,
    S.PUBLISHED,
    S.FORMAL_CHECK,
    S.REVIEW,
    S.NOTICE,
    S.AWARDED,
    S.CONTRACTED,
    S.IN_PROGRESS,
    S.ACCEPTANCE,
    S.COMPLETED,
]
RANK = {S.RETURNED: S.DRAFT}
STEPS = [timedelta(hours=1), timedelta(hours=23), timedelta(days=2), timedelta(days=5), timedelta(days=11)]


def actor(preferred: str):
    """Usually someone random; often enough the person the action belongs to."""
    return st.sampled_from([preferred] * len(ACTORS) + ACTORS)


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0


class ChallengeLifecycle(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.savepoint = db.session.begin_nested()  # rolled back in teardown: each example starts clean
        clock.set_time(clock.T0)
        self.p = factory.make_people()
        self.c = None
        self.moves = 0

    # ------------------------------------------------------------ helpers

    def who(self, name: str):
        return None if name == "nobody" else getattr(self.p, name)

    def apps(self) -> list[Application]:
        return list(
            db.session.scalars(
                sa.select(Application).where(Application.challenge_id == self.c.id).order_by(Application.id)
            )
        )

    def winner_ids(self) -> set[int]:
        return {
            a.application.applicant_id
            for a in db.session.scalars(sa.select(Award).where(Award.challenge_id == self.c.id))
        }

    def permitted(self, kind: str, user) -> bool:
        p = self.p
        if user is None:
            return False
        if kind == "owner":
            return user.id == p.owner.id
        if kind == "admin":
            return user.id == p.admin.id
        if kind == "expert":
            return user.id in {p.expert_tju.id, p.expert.id, p.expert_2.id}
        if kind == "applicant":
            return user.id in {getattr(p, n).id for n in APPLICANTS}
        if kind == "winner":
            return user.id in self.winner_ids()
        if kind == "party":
            return user.id == p.owner.id or user.id in self.winner_ids()
        return kind == "anyone"

    def snapshot(self) -> tuple:
        c = self.c
        return (
            c.status,
            c.return_reason,
            c.termination_reason,
            c.notice_ends_at,
            c.cofunding,
            c.bounty,
            c.acceptance_opinion,
            count(AuditEvent),
            count(Notification),
            count(Award),
            count(Review),
            count(ConflictDeclaration),
            count(ExpertAssignment),
            tuple(db.session.execute(sa.select(Objection.id, Objection.status).order_by(Objection.id))),
            tuple((a.id, a.status, a.proposed_slot, a.commitment_signed) for a in self.apps()),
            tuple((m.id, m.status, m.payment_due) for m in c.milestones),
            (c.contract.enterprise_confirmed_at, c.contract.winner_confirmed_at) if c.contract else None,
        )

    def attempt(self, action: str, actor_name: str | None, fn, *args) -> bool:
        """Run one service call; a refusal must leave everything as it was; a success must be legal."""
        user = self.who(actor_name) if actor_name else None
        before, state = self.snapshot(), self.c.status
        try:
            fn(*args)
        except (PermissionDenied, ChallengeError):
            assert self.snapshot() == before, f"{action} by {actor_name} was refused but changed something"
            return False
        states, kind = SPEC.get(action, (None, None))
        if states is not None:
            assert state in states, f"{action} succeeded in state {state}"
            assert self.permitted(kind, user), f"{action} succeeded for {actor_name}"
        if self.c.status is not state:
            assert (state, self.c.status) in EDGES, f"{action}: {state} → {self.c.status} is not allowed"
            self.moves += 1
        return True

    def application_of(self, name: str) -> Application | None:
        user = self.who(name)
        return applications.own_application(self.c, user) if user is not None else None

    # ------------------------------------------------------------ setup

    @initialize(
        winners_max=st.integers(1, 3),
        notice_days=st.integers(1, 3),
        milestones=st.integers(1, 3),
        stage=st.sampled_from(ORDER),
        data=st.data(),
    )
    def post(self, winners_max, notice_days, milestones, stage, data):
        """Post a challenge and take sensible steps until it reaches `stage` (or a side exit on the
        way): random actions then start from every stage, not only from the draft."""
        self.winners_max, self.notice_days, self.milestone_count = winners_max, notice_days, milestones
        self.c = posting.create_from_need(self.p.owner, factory.make_need(self.p.owner))
        self.edited = False
        for _ in range(80):
            if self.c.status.is_final or ORDER.index(RANK.get(self.c.status, self.c.status)) >= ORDER.index(stage):
                break
            self.progress(data)

    def terms(self):
        closes = clock.now() + timedelta(days=10)
        shares = {1: [100], 2: [40, 60], 3: [33, 33, 34]}[self.milestone_count]
        milestones = [
            MilestoneInput(f"第{i}阶段", share, (closes + timedelta(days=30 * i)).date())
            for i, share in enumerate(shares, start=1)
        ]
        return factory.terms(
            winners_max=self.winners_max, notice_days=self.notice_days, milestones=milestones, bounty=1_000_003
        )

    # ------------------------------------------------------------ actions by anyone

    @rule(who=actor("owner"))
    def edit(self, who):
        if self.attempt("edit", who, posting.update_draft, self.who(who), self.c, self.terms()):
            self.edited = True

    @rule(who=actor("owner"))
    def submit(self, who):
        self.attempt("submit", who, posting.submit, self.who(who), self.c)

    @rule(who=actor("admin"))
    def return_for_changes(self, who):
        self.attempt("return", who, posting.return_for_changes, self.who(who), self.c, "请补充验收指标")

    @rule(who=actor("admin"), cofunding=st.sampled_from([None, 0, 300_000]))
    def publish(self, who, cofunding):
        self.attempt("publish", who, posting.publish, self.who(who), self.c, cofunding)

    @rule(who=st.sampled_from(ACTORS))
    def withdraw(self, who):
        had_lodged = any(a.status is A.SUBMITTED for a in self.apps())
        if self.attempt("withdraw", who, posting.withdraw, self.who(who), self.c) and self.c.status is S.WITHDRAWN:
            assert not had_lodged, "withdrawn although applications were submitted"

    @rule(who=st.sampled_from(ACTORS), submit=st.booleans(), sign=st.booleans())
    def apply(self, who, submit, sign):
        user = self.who(who)
        unit, kind = APPLICANTS.get(who, ("某单位", UnitKind.UNIVERSITY))
        if who == "rival":
            unit = user.organisation.name
        mine = self.application_of(who)
        now = clock.now()
        if mine is None or mine.status is A.DRAFT:
            data = factory.application_input(unit, kind, signed=sign)
            if not self.attempt("apply", who, applications.save_application, user, self.c, data, mine):
                return
            mine = self.application_of(who)
        if submit and self.attempt("apply", who, applications.submit_application, user, mine):
            assert self.c.opens_at <= now < self.c.closes_at, "submitted outside the window"

    @rule(who=st.sampled_from(ACTORS))
    def withdraw_application(self, who):
        mine = self.application_of(who) or (self.apps() or [None])[0]
        if mine is not None and self.attempt(
            "withdraw_application", who, applications.withdraw_application, self.who(who), mine
        ):
            assert clock.now() < self.c.closes_at, "withdrawn after the deadline"

    @rule(who=actor("admin"), index=st.integers(0, 4), eligible=st.booleans())
    def check(self, who, index, eligible):
        apps = self.apps()
        if apps:
            self.attempt(
                "check",
                who,
                applications.check_application,
                self.who(who),
                apps[index % len(apps)],
                eligible,
                None if eligible else "资质不符",
            )

    @rule(who=actor("admin"))
    def finish_check(self, who):
        self.attempt("finish_check", who, applications.finish_formal_check, self.who(who), self.c)

    @rule(who=actor("admin"), expert=st.sampled_from(EXPERTS))
    def assign(self, who, expert):
        self.attempt("assign", who, review.assign_expert, self.who(who), self.c, self.who(expert))

    @rule(who=st.sampled_from(EXPERTS + ["tju", "admin"]), index=st.integers(0, 4), conflict=st.booleans())
    def declare(self, who, index, conflict):
        apps = self.apps()
        if apps:
            self.attempt(
                "declare",
                who,
                review.declare_conflict,
                self.who(who),
                apps[index % len(apps)],
                conflict,
                "合作关系" if conflict else None,
            )

    @rule(who=st.sampled_from(EXPERTS + ["owner", "admin"]), index=st.integers(0, 4), value=st.integers(0, 100))
    def score(self, who, index, value):
        apps = self.apps()
        if apps:
            self.attempt(
                "score",
                who,
                review.score,
                self.who(who),
                apps[index % len(apps)],
                {c.id: value for c in self.c.criteria},
                "评审意见",
            )

    @rule(who=actor("admin"))
    def request_revision(self, who):
        done = db.session.scalars(
            sa.select(Review).join(Application).where(Application.challenge_id == self.c.id).order_by(Review.id)
        ).first()
        if done is not None:
            self.attempt("revision", who, review.request_revision, self.who(who), done, "请补充评语")

    @rule(who=actor("admin"))
    def propose(self, who):
        self.attempt("propose", who, awarding.propose_winners, self.who(who), self.c)

    @rule(who=st.sampled_from(ACTORS))
    def object(self, who):
        ends = self.c.notice_ends_at
        if self.attempt("object", who, awarding.file_objection, self.who(who), self.c, "对公示结果有异议"):
            assert clock.now() < ends, "objection filed after the notice period"

    @rule(who=actor("admin"), upheld=st.booleans())
    def resolve(self, who, upheld):
        pending = db.session.scalars(
            sa.select(Objection).where(Objection.challenge_id == self.c.id, Objection.status == ObjectionStatus.OPEN)
        ).first()
        if pending is not None:
            self.attempt("resolve", who, awarding.resolve_objection, self.who(who), pending, upheld, "已核实")

    @rule(who=actor("admin"))
    def award(self, who):
        ends, objections = self.c.notice_ends_at, awarding.open_objections(self.c)
        if self.attempt("award", who, awarding.award, self.who(who), self.c):
            assert clock.now() >= ends and objections == 0, "awarded during the notice or with an open objection"

    @rule(who=st.sampled_from(["owner", "tju", "nku", "institute", "rival", "admin"]))
    def confirm(self, who):
        terms = factory.contract_terms(self.c) if who == "owner" else None
        self.attempt("confirm", who, delivery.confirm_contract, self.who(who), self.c, terms)

    @rule(who=st.sampled_from(["tju", "tju_2", "nku", "institute", "rival", "owner"]), index=st.integers(0, 2))
    def report(self, who, index):
        if not self.c.milestones:
            return
        milestone = self.c.milestones[index % len(self.c.milestones)]
        self.attempt(
            "report", who, delivery.report_milestone, self.who(who), milestone, "阶段成果", [("报告.pdf", factory.PDF)]
        )

    @rule(who=actor("owner"), approve=st.booleans())
    def decide(self, who, approve):
        milestone = delivery.current_milestone(self.c)
        if milestone is None:
            return
        if approve:
            self.attempt("decide", who, delivery.approve_milestone, self.who(who), milestone)
        else:
            self.attempt("decide", who, delivery.return_milestone, self.who(who), milestone, "证据不足")

    @rule(who=actor("owner"))
    def accept(self, who):
        self.attempt("accept", who, delivery.final_acceptance, self.who(who), self.c, "专家组同意通过验收")

    @rule(who=st.sampled_from(ACTORS))
    def terminate(self, who):
        self.attempt("terminate", who, posting.terminate, self.who(who), self.c, "企业无法继续出资")

    @rule(step=st.sampled_from(STEPS))
    def time_passes(self, step):
        clock.advance(step)

    @rule()
    def tick(self):
        state = self.c.status
        deadlines.tick()
        if self.c.status is not state:
            assert (state, self.c.status) in EDGES and clock.now() >= self.c.closes_at
            self.moves += 1

    # ------------------------------------------------------------ the next sensible step

    @rule(steps=st.integers(1, 4), data=st.data())
    def keep_going(self, steps, data):
        for _ in range(steps):
            if self.c.status.is_final:
                break
            self.progress(data)

    def progress(self, data):
        c, p = self.c, self.p
        state = c.status
        if state in (S.DRAFT, S.RETURNED):
            if not self.edited:
                self.edit("owner")
            else:
                self.submit("owner")
        elif state is S.SUBMITTED:
            self.publish("admin", data.draw(st.sampled_from([None, 200_000])))
        elif state is S.PUBLISHED:
            lodged = [a for a in self.apps() if a.status is A.SUBMITTED]
            if len(lodged) < 2 and clock.now() < c.closes_at:
                self.apply(data.draw(st.sampled_from(list(APPLICANTS))), True, True)
            else:
                clock.set_time(max(clock.now(), c.closes_at))
                self.tick()
        elif state is S.FORMAL_CHECK:
            waiting = [a for a in self.apps() if a.status is A.SUBMITTED]
            if waiting:
                self.check("admin", self.apps().index(waiting[0]), data.draw(st.sampled_from([True, True, False])))
            elif not review.panel(c):
                self.assign("admin", data.draw(st.sampled_from(EXPERTS)))
            else:
                self.finish_check("admin")
        elif state is S.REVIEW:
            self._review_step(data)
        elif state is S.NOTICE:
            if clock.now() < c.notice_ends_at and data.draw(st.booleans()):
                self.object(data.draw(st.sampled_from(ACTORS[:-1])))
            elif awarding.open_objections(c):
                self.resolve("admin", data.draw(st.booleans()))
            else:
                clock.set_time(max(clock.now(), c.notice_ends_at))
                self.award("admin")
        elif state is S.AWARDED:
            if c.contract is None or c.contract.enterprise_confirmed_at is None:
                self.confirm("owner")
            else:
                for application in [a.application for a in c.awards if a.contract_confirmed_at is None][:1]:
                    name = next(n for n in APPLICANTS if getattr(p, n).id == application.applicant_id)
                    self.confirm(name)
        elif state in (S.CONTRACTED, S.IN_PROGRESS):
            milestone = delivery.current_milestone(c)
            if milestone.status is M.REPORTED:
                self.decide("owner", data.draw(st.sampled_from([True, True, False])))
            else:
                winner = next(a.application for a in c.awards)
                name = next(n for n in APPLICANTS if getattr(p, n).id == winner.applicant_id)
                self.report(name, c.milestones.index(milestone))
        elif state is S.ACCEPTANCE:
            self.accept("owner")

    def _review_step(self, data):
        c = self.c
        eligible = [a for a in self.apps() if a.status is A.ELIGIBLE]
        for assignment in review.panel(c):
            name = next(n for n in EXPERTS if self.who(n).id == assignment.expert_id)
            for application in eligible:
                found = permissions.declaration(assignment, application)
                if found is None:
                    return self.declare(name, self.apps().index(application), data.draw(st.booleans()))
                done = db.session.scalar(
                    sa.select(Review).where(
                        Review.application_id == application.id, Review.expert_id == assignment.expert_id
                    )
                )
                if not found.has_conflict and (done is None or done.awaiting_revision):
                    return self.score(name, self.apps().index(application), data.draw(st.integers(40, 100)))
        if not any(r.counted for r in review.ranking(c)):
            spare = [n for n in EXPERTS if permissions.assignment_of(self.who(n), c) is None]
            if spare:
                return self.assign("admin", spare[0])
            return self.terminate("admin")  # every expert has a conflict: the admin ends it
        return self.propose("admin")

    # ------------------------------------------------------------ invariants

    @invariant()
    def money_and_winners_add_up(self):
        if self.c is None:
            return
        c = self.c
        awards = count(Award, Award.challenge_id == c.id)
        assert awards <= c.winners_max
        after_award = {S.AWARDED, S.CONTRACTED, S.IN_PROGRESS, S.ACCEPTANCE, S.COMPLETED}
        if c.status in after_award:
            assert 1 <= awards <= c.winners_max
        elif c.status is not S.TERMINATED:
            assert awards == 0
        winners = db.session.scalars(sa.select(Award).where(Award.challenge_id == c.id)).all()
        assert all(a.application.status is A.ELIGIBLE for a in winners)
        if self.edited:
            assert sum(m.amount for m in c.milestones) == c.bounty
            assert sum(cr.weight for cr in c.criteria) == 100
            due = sum(m.payment_due or 0 for m in c.milestones)
            assert due <= c.bounty
            if c.status is S.COMPLETED:
                assert due == c.bounty and all(m.status is M.APPROVED for m in c.milestones)

    @invariant()
    def applications_respect_units_and_the_deadline(self):
        if self.c is None:
            return
        lodged = [a for a in self.apps() if a.lodged]
        assert len({a.unit_key for a in lodged}) == len(lodged)
        for application in lodged:
            assert self.c.opens_at <= application.submitted_at < self.c.closes_at
        for application in self.apps():
            if application.withdrawn_at is not None:
                assert application.withdrawn_at < self.c.closes_at

    @invariant()
    def every_move_is_audited_once(self):
        if self.c is None:
            return
        moves = db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(
                AuditEvent.object_type == "challenges",
                AuditEvent.object_id == self.c.id,
                AuditEvent.action.not_in(
                    ["challenge.create", "challenge.update", "challenge_expert.assign", "challenge_expert.unassign"]
                ),
            )
        )
        assert moves == self.moves

    def teardown(self):
        if self.savepoint.is_active:
            self.savepoint.rollback()
        db.session.expunge_all()  # rows made in the example are gone; ids will be used again
        clock.set_time(clock.T0)


def test_random_actions_by_random_people_never_break_the_lifecycle(app_ctx, challenge_clock):
    with force_locale("en"):
        run_state_machine_as_test(
            ChallengeLifecycle,
            # A failure is shrunk, saved in the example database (replayed first by the next run) and
            # printed with its @reproduce_failure blob, so a CI log is enough to replay it.
            settings=settings(max_examples=25, stateful_step_count=30, deadline=None, print_blob=True),
        )
