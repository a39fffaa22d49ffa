"""The codes of a planner's term, from the pool to the exit, with their Chinese and English labels.

One place for every code the term's API sends (specialties, degrees, titles, statuses, removal reasons,
dismissal grounds, appointment steps, contract clauses) and for the reasons it gives (eligibility,
ranking, decisions), so the phone and the server's documents name them alike. Standard library only.

A reason is ``{"code": ..., "params": {...}}``; `describe` renders it in either language, placeholders
filled from ``params`` (labels of codes inside params are looked up by the caller).
"""

from __future__ import annotations

from typing import Any, Final

ZH: Final = "zh"
EN: Final = "en"

Labels = dict[str, tuple[str, str]]

#: PDS-5 names the first four; PDS-3's degree fields and district work give the others.
SPECIALTIES: Final[Labels] = {
    "spatial_planning": ("国土空间规划", "spatial planning"),
    "urban_renewal": ("城市更新", "urban renewal"),
    "farmland_protection": ("耕地保护", "farmland protection"),
    "land_use_control": ("用途管制", "land-use control"),
    "municipal_transport": ("市政交通", "municipal and transport"),
    "architecture": ("建筑设计", "architecture"),
    "landscape": ("风景园林", "landscape"),
    "urban_design": ("城市设计", "urban design"),
}

#: Highest degree, lowest first (the order the eligibility rules compare in).
DEGREES: Final[Labels] = {
    "none": ("大专以下", "below college"),
    "college": ("大专", "college diploma"),
    "bachelor": ("本科", "bachelor"),
    "master": ("硕士研究生", "master"),
    "doctorate": ("博士研究生", "doctorate"),
}

#: PDS-3's related fields of study.
DEGREE_FIELDS: Final[Labels] = {
    "urban_rural_planning": ("城乡规划", "urban-rural planning"),
    "urban_design": ("城市设计", "urban design"),
    "architecture": ("建筑学", "architecture"),
    "landscape_architecture": ("风景园林", "landscape architecture"),
    "municipal_transport": ("市政交通", "municipal and transport engineering"),
    "other": ("其他专业", "another field"),
}

#: Professional title, lowest first.
TITLES: Final[Labels] = {
    "none": ("无职称", "none"),
    "junior": ("初级", "junior"),
    "intermediate": ("中级", "intermediate"),
    "associate_senior": ("副高级", "associate senior"),
    "senior": ("正高级", "senior"),
}

#: Where a candidate stands in the pool (`server.term.status`).
POOL_STATUSES: Final[Labels] = {
    "applied": ("待审核", "awaiting review"),
    "rejected": ("审核未通过", "not approved"),
    "approved": ("审核通过，待公示", "approved, notice to publish"),
    "in_notice": ("公示中", "in public notice"),
    "cancelled": ("取消入库资格", "entry cancelled"),
    "member": ("在库", "in the pool"),
    "removed": ("已调出资源库", "removed from the pool"),
    "dismissed": ("已解聘", "dismissed"),
}

OBJECTION_STATUSES: Final[Labels] = {
    "open": ("待核查", "being checked"),
    "upheld": ("查证属实", "found valid"),
    "dismissed": ("异议不成立", "not valid"),
}

REQUEST_STATUSES: Final[Labels] = {
    "open": ("待派驻", "open"),
    "filled": ("已派驻", "filled"),
    "withdrawn": ("已撤回", "withdrawn"),
}

DISPATCH_STATUSES: Final[Labels] = {
    "proposed": ("聘任程序中", "appointment under way"),
    "serving": ("派驻中", "serving"),
    "ended": ("已结束", "ended"),
    "withdrawn": ("已撤回", "withdrawn"),
}

#: PDS-6, the five reasons for leaving the pool; and PDS-10's unqualified grade.
REMOVAL_REASONS: Final[Labels] = {
    "violation": (
        "存在违法违规、失信惩戒、违纪处分等重大问题，或被司法机关、行政主管部门处罚",
        "violations, dishonesty, discipline or penalties",
    ),
    "misconduct": (
        "在履职过程中弄虚作假、滥用职权、泄露工作秘密，造成不良影响或损失",
        "fraud, abuse of power or leaking work secrets while serving",
    ),
    "refused_service": (
        "无正当理由长期拒绝服务、严重影响工作推进",
        "refusing service for a long time without good reason",
    ),
    "own_request": (
        "本人因身体健康、工作调动、离职退休等原因主动申请退出",
        "own request (health, job change, retirement)",
    ),
    "other": ("其他不宜继续担任的情形", "other"),
    "appraisal_unqualified": ("聘期综合评议不合格", "graded unqualified in the term appraisal"),
}

#: CQ-11, the grounds for dismissal.
DISMISSAL_GROUNDS: Final[Labels] = {
    "own_request": ("本人主动要求退出", "own request"),
    "unable_to_serve": ("不能履行职责", "unable to serve"),
    "absences": (
        "无正当理由，一年内连续{consecutive}次或总计{yearly}次不参加技术指导和咨询活动",
        "absent without good reason {consecutive} times in a row or {yearly} times in one year",
    ),
    "incompetent": ("考核不称职", "graded incompetent"),
    "violation": ("有违纪违法行为", "violations of discipline or law"),
}

#: CQ-3, the appointment steps, in their order.
APPOINTMENT_STEPS: Final[Labels] = {
    "needs_survey": ("需求调查", "needs survey"),
    "qualification_check": ("资格认定", "qualification check"),
    "joint_deliberation": ("会同市人力社保局遴选合议", "joint deliberation with the HR bureau"),
    "district_opinion": ("征求区县人民政府意见", "the district government's opinion"),
    "appointment": ("组织聘任，颁发聘书", "appointment with a certificate"),
}

#: PDS-8, what a contract sets out.
CONTRACT_CLAUSES: Final[Labels] = {
    "tasks": ("工作任务", "tasks"),
    "service_mode": ("服务方式", "service mode"),
    "service_fee": ("服务费用", "fees"),
    "responsibility_area": ("责任范围", "responsibility area"),
    "rights_duties": ("权利义务", "rights and duties"),
    "appraisal": ("考核评价", "appraisal"),
    "breach": ("违约责任", "breach"),
}

DECISIONS: Final[Labels] = {
    "renew": ("续聘", "renew"),
    "not_renew": ("不予续聘", "not renewed"),
    "dismiss": ("解聘", "dismiss"),
}

#: Why a dispatch ended.
END_REASONS: Final[Labels] = {
    "not_renewed": ("聘期届满不再续聘", "term ended, not renewed"),
    "dismissed": ("解聘", "dismissed"),
    "left_early": ("提前退出", "left early"),
    "removed_from_pool": ("调出资源库", "removed from the pool"),
    "withdrawn": ("撤回", "withdrawn"),
}

#: Every reason the term's rules give, as templates over their ``params``.
REASONS: Final[Labels] = {
    # eligibility (PDS-3, CQ-2)
    "degree": ("学历：{degree}（要求{min_degree}及以上）", "degree: {degree} (needs {min_degree} or higher)"),
    "degree_field": ("专业：{field}（要求规划建设相关专业）", "field: {field} (needs a related field)"),
    "title": ("职称：{title}（要求{min_title}及以上）", "title: {title} (needs {min_title} or higher)"),
    "title_or_qualification": (
        "职称{title}，执业资格{qualification}（要求{min_title}及以上职称或相关执业资格）",
        "title {title}, qualification {qualification} "
        "(needs a {min_title} title or a practising qualification)",
    ),
    "registered_planner": ("注册城乡规划师：{value}", "registered planner: {value}"),
    "years_in_field": (
        "从业{years}年（满{min_years}年可单独满足条件）",
        "{years} years in the field ({min_years} suffice on their own)",
    ),
    "violations": ("不良记录{count}条（有记录不得入库）", "{count} violation records (any excludes)"),
    "exception": ("破格认定：{reason}", "exception granted: {reason}"),
    "exception_possible": (
        "不满足一般条件；如实践经验和理论水准突出，可由专人书面说明理由后认定",
        "the usual conditions are not met; a person may grant the exception for outstanding practice, "
        "with a written reason",
    ),
    # ranking (PDS-7)
    "specialty_match": (
        "专业匹配{matched}/{wanted}：{names}",
        "specialties matched {matched}/{wanted}: {names}",
    ),
    "specialty_missing": ("缺少专业：{names}", "specialties missing: {names}"),
    "last_grade": ("{year}年度考核：{grade}", "{year} appraisal: {grade}"),
    "no_grade": ("尚无考核等次", "no appraisal grade yet"),
    "experience": ("从业{years}年", "{years} years in the field"),
    "local_familiarity": ("属地熟悉度：{text}", "local familiarity: {text}"),
    "serving": ("正在{district}派驻（{since}起）", "serving in {district} since {since}"),
    "proposed": ("正在{district}办理聘任", "appointment under way in {district}"),
    "in_notice": ("公示中，至{ends_on}", "in public notice until {ends_on}"),
    "not_member": ("不在库：{status}", "not in the pool: {status}"),
    "not_eligible": ("不再符合入库条件", "no longer meets the conditions"),
    # decisions (PDS-10, CQ-9, CQ-11)
    "suggest_renew": ("考核{grade}：可续聘", "graded {grade}: may be renewed"),
    "suggest_not_renew": (
        "考核{grade}：不予续聘，并调出资源库（PDS-10）",
        "graded {grade}: not renewed, leaves the pool (PDS-10)",
    ),
    "suggest_dismiss": ("{why}：予以解聘（CQ-11）", "{why}: dismissal (CQ-11)"),
    "suggest_none": ("尚无考核等次，请先完成考核", "no grade yet: appraise first"),
}


#: What a personal archive (个人档案) lists, as templates over each event's ``params``.
EVENTS: Final[Labels] = {
    "applied": ("报名入库", "applied to the pool"),
    "exception": ("破格认定（{rule_id}）：{reason}", "exception granted ({rule_id}): {reason}"),
    "reviewed": ("审核{outcome}。{note}", "reviewed: {outcome}. {note}"),
    "notice": (
        "公示{starts_on}至{ends_on}（{rule_id}）",
        "public notice {starts_on} to {ends_on} ({rule_id})",
    ),
    "objection": ("收到异议：{content}", "objection received: {content}"),
    "objection_decided": ("异议{outcome}。{note}", "objection {outcome}. {note}"),
    "entered": ("纳入{pool}", "entered the pool ({pool})"),
    "dispatch_proposed": ("拟派驻{district}", "proposed for {district}"),
    "step": ("{step}。{note}", "{step}. {note}"),
    "dispatched": (
        "派驻{district}，聘期{starts_on}至{ends_on}（通知编号{notice_no}）",
        "dispatched to {district}, term {starts_on} to {ends_on} (notice {notice_no})",
    ),
    "contract": (
        "聘用合同及聘任证书记录（证书编号{certificate_no}）",
        "contract and certificate recorded (certificate {certificate_no})",
    ),
    "graded": ("{year}年度考核：{grade}", "{year} appraisal: {grade}"),
    "consequence": (
        "{year}年度考核结果：{what}（{rule_id}）",
        "{year} appraisal leads to: {what} ({rule_id})",
    ),
    "decision": (
        "第{term}个聘期：{decision}（{rule_id}，考核{grade}）{note}",
        "term {term}: {decision} ({rule_id}, graded {grade}) {note}",
    ),
    "service_ended": ("{district}服务结束：{reason}", "service in {district} ended: {reason}"),
    "service_ending": ("{district}服务至本日结束：{reason}", "service in {district} ends this day: {reason}"),
    "removed": (
        "调出{pool}（{rule_id}）：{reason}。{note}",
        "removed from the pool, {pool} ({rule_id}): {reason}. {note}",
    ),
    "dismissed": ("解聘（{rule_id}）：{ground}", "dismissed ({rule_id}): {ground}"),
}

#: Grade consequences (the profiles' ``[[consequences]]`` codes).
CONSEQUENCES: Final[Labels] = {
    "not_renewed": ("不予续聘", "not renewed"),
    "removed_from_pool": ("调出资源库", "removed from the pool"),
    "dismissal": ("予以解聘", "dismissal"),
    "continuing_education_waived": ("减免一年继续教育学时", "one year of continuing education waived"),
    "title_priority": ("评聘专业技术职务同等条件下优先", "priority in title evaluation"),
    "talent_programme_first": ("优先推荐纳入人才培养计划", "recommended first for talent programmes"),
}


REVIEW_OUTCOMES: Final[Labels] = {"approved": ("通过", "approved"), "rejected": ("未通过", "not approved")}

#: Which parameters of an archive event are codes, and of which catalogue.
EVENT_CODES: Final[dict[str, dict[str, Labels]]] = {
    "reviewed": {"outcome": REVIEW_OUTCOMES},
    "objection_decided": {"outcome": OBJECTION_STATUSES},
    "step": {"step": APPOINTMENT_STEPS},
    "decision": {"decision": DECISIONS},
    "service_ended": {"reason": END_REASONS},
    "service_ending": {"reason": END_REASONS},
    "removed": {"reason": REMOVAL_REASONS},
    "dismissed": {"ground": DISMISSAL_GROUNDS},
    "consequence": {"what": CONSEQUENCES},
}


def label(labels: Labels, code: str, lang: str = ZH) -> str:
    """The label of ``code`` in ``lang`` (the code itself when it has none)."""
    pair = labels.get(code)
    if pair is None:
        return code
    return pair[0] if lang == ZH else pair[1]


def choices(labels: Labels) -> list[dict[str, str]]:
    """``[{code, zh, en}]`` in the catalogue's order, as the API lists them."""
    return [{"code": code, "zh": zh, "en": en} for code, (zh, en) in labels.items()]


def describe(code: str, params: dict[str, Any], lang: str = ZH, templates: Labels = REASONS) -> str:
    """A reason (or, with ``templates=EVENTS``, an archive event) in ``lang``; unknown codes and missing
    placeholders are shown, never raised."""
    template = label(templates, code, lang)

    class _Keep(dict[str, Any]):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    return template.format_map(_Keep({k: "" if v is None else v for k, v in params.items()}))


def render_event(code: str, params: dict[str, Any], lang: str = ZH) -> str:
    """An archive event in ``lang``: its code parameters labelled, then its template filled (twice, since a
    label may hold placeholders of its own, e.g. the CQ-11 absence limits)."""
    shown = dict(params)
    for key, labels in EVENT_CODES.get(code, {}).items():
        if isinstance(shown.get(key), str):
            shown[key] = label(labels, shown[key], lang)
    once = describe(code, shown, lang, EVENTS)
    return describe("_", shown, lang, {"_": (once, once)}).strip()


def rank(labels: Labels, code: str) -> int:
    """The position of ``code`` in an ordered catalogue (degrees, titles); -1 when unknown."""
    return list(labels).index(code) if code in labels else -1
