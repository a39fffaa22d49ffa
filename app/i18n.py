"""Every string the phone app shows, in one catalogue: zh-CN first, English second, and the formatters.

Each key holds its Chinese and English text side by side so a new string cannot exist in one language only.
Placeholders use ``str.format`` names and must match in both languages (a unit test checks).
"""

from __future__ import annotations

from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from shared.records import NUL_MESSAGE

LANGS: Final = ("zh", "en")
DEFAULT_LANG: Final = "zh"

_T: Final[dict[str, tuple[str, str]]] = {
    # app and navigation
    "app.title": ("实地指导记录", "Field log"),
    "nav.home": ("首页", "Home"),
    "nav.records": ("记录", "Records"),
    "nav.sync": ("同步", "Sync"),
    "lang.switch": ("English", "中文"),
    "back": ("返回", "Back"),
    "save": ("保存", "Save"),
    "cancel": ("取消", "Cancel"),
    # sign in
    "signin.title": ("登录", "Sign in"),
    "signin.server": ("服务器地址", "Server address"),
    "signin.advanced": ("高级选项：更改服务器地址", "Advanced: change the server address"),
    "signin.username": ("用户名", "Username"),
    "signin.password": ("密码", "Password"),
    "signin.submit": ("登录", "Sign in"),
    "signin.offline": (
        "服务器暂时连不上：已用本机保存的登录信息离线打开。",
        "Server not reachable: opened offline with the sign-in saved on this phone.",
    ),
    "signin.bad_password": ("用户名或密码不正确。", "Wrong username or password."),
    "signin.paused": (
        "登录失败次数过多，请 {minutes} 分钟后再试；忘记密码请联系区里的管理员。",
        "Too many failed sign-ins. Try again in {minutes} min; if you forgot the password, ask your admin.",
    ),
    "signin.unreachable_new": (
        "连不上服务器，且本机没有保存过这个账号的登录，请联网后再试。",
        "Cannot reach the server and this account has never signed in on this phone. Try again when online.",
    ),
    "signin.remembered": ("本机记住的账号：{user} @ {server}", "Remembered on this phone: {user} @ {server}"),
    "signin.remembered_user": ("本机记住的账号：{user}", "Remembered on this phone: {user}"),
    "signin.no_district": ("该账号没有分配片区，不能记录。", "This account has no district to record for."),
    "signout": ("退出登录", "Sign out"),
    # home
    "home.greeting": ("{name}，你好", "Hello, {name}"),
    "home.progress_title": ("{year} 年实地指导", "On-site visits in {year}"),
    "home.progress": ("{confirmed} / {target} 已确认", "{confirmed} / {target} confirmed"),
    "home.progress_no_target": ("{confirmed} 次已确认", "{confirmed} confirmed"),
    "home.pending": ("另有 {pending} 次待确认", "{pending} more awaiting confirmation"),
    "home.fetching": ("正在从服务器取回你的记录…", "Fetching your records from the server…"),
    "home.fetching_note": (
        "已确认的次数和工作时长取回后显示。",
        "Confirmed visits and hours show once they have arrived.",
    ),
    "home.not_fetched": ("还没有取回服务器上的记录", "Your records on the server have not arrived yet"),
    "home.not_fetched_note": (
        "联网后会自动同步，之后这里显示已确认的次数；也可以在“同步”里手动同步。",
        "They sync by themselves once online, then the confirmed visits show here; or sync now under Sync.",
    ),
    "home.hours": (
        "工作时长：已确认 {confirmed} 小时，待确认 {pending} 小时",
        "Working hours: {confirmed} h confirmed, {pending} h pending",
    ),
    "home.invitations": ("活动邀请", "Invitations"),
    "home.no_invitations": ("暂无邀请", "No invitations"),
    "home.outbox": ("待上传：{count} 项", "Waiting to upload: {count}"),
    "home.outbox_empty": ("全部已上传", "Everything uploaded"),
    "home.last_sync": ("上次同步：{when}", "Last sync: {when}"),
    "home.never_synced": ("尚未同步", "Not synced yet"),
    "home.check_in": ("签到 · 开始实地指导", "Check in · start a visit"),
    "home.open_visit": ("继续进行中的指导（{site}）", "Continue the open visit ({site})"),
    "home.new_opinion": ("书面意见", "Written opinion"),
    "home.new_feedback": ("居民意见", "Resident feedback"),
    "home.conflicts": ("有 {count} 项冲突需要处理", "{count} conflicts need you"),
    # visit
    "visit.title": ("实地指导", "On-site visit"),
    "visit.locating": ("正在定位…", "Getting a GPS fix…"),
    "visit.no_fix": ("没有取得定位，请写下地点后签到。", "No GPS fix. Name the place, then check in."),
    "visit.no_fix_badge": ("未定位（地点由本人填写）", "No GPS fix (place named by the planner)"),
    "visit.fix": ("定位 {lat}, {lon}（±{acc} 米）", "GPS {lat}, {lon} (±{acc} m)"),
    "visit.check_in_here": ("在此地点签到", "Check in here"),
    "visit.started": ("签到时间：{time}", "Checked in: {time}"),
    "visit.ended": ("签退时间：{time}", "Checked out: {time}"),
    "visit.hours": ("工作时长：{hours} 小时", "Working hours: {hours} h"),
    "visit.running": ("进行中", "In progress"),
    "visit.overnight": (
        "此次指导跨夜未签退，需要人工核对，不会自动计入。",
        "Left open overnight: a person must check it; it is not counted silently.",
    ),
    "visit.check_out": ("签退", "Check out"),
    "visit.add_photo": ("添加照片", "Add photo"),
    "visit.photos": ("照片 {count} 张", "Photos: {count}"),
    "visit.photo_added": ("照片已保存到本机", "Photo saved on the phone"),
    "visit.photo_uploading": ("正在接收照片…", "Receiving the photo…"),
    "photo.open": ("查看大图", "Open full size"),
    "photo.delete": ("删除这张照片", "Delete this photo"),
    "photo.delete_title": ("删除照片？", "Delete the photo?"),
    "photo.delete_text": (
        "照片会从这条记录和手机上删除，不能恢复。",
        "The photo goes from this record and from the phone; it cannot be brought back.",
    ),
    "photo.deleted": ("照片已删除", "Photo deleted"),
    "photo.kept_uploaded": (
        "服务器已收到这张照片，不能再在手机上删除；如需删除，请联系区里的审核人员。",
        "The server has this photo, so it can no longer be deleted on the phone; ask your district's staff.",
    ),
    "photo.kept_confirmed": (
        "这条记录已确认，照片不能再删除。",
        "This record was confirmed; its photos can no longer be deleted.",
    ),
    "photo.thumb_only": (
        "原图已上传并从手机上释放，这里显示的是缩略图。",
        "The full-size photo was uploaded and freed from the phone; this is its thumbnail.",
    ),
    "photo.gone": ("这张照片已不在手机上。", "This photo is no longer on the phone."),
    "camera.take": ("拍照", "Take photo"),
    "camera.gallery": ("从相册选择", "From gallery"),
    "camera.shutter": ("拍摄", "Take it"),
    "camera.starting": ("正在打开相机…", "Opening the camera…"),
    "camera.failed": (
        "相机打不开，可以返回后从相册选择照片。",
        "The camera did not open; go back and choose a photo from the gallery.",
    ),
    "visit.saved": ("已保存到本机", "Saved on the phone"),
    "visit.write_opinion": ("为此次指导写书面意见", "Write an opinion for this visit"),
    "field.site": ("地点", "Place"),
    "field.purpose": ("事由", "Purpose"),
    "field.notes": ("记录", "Notes"),
    "field.participants": ("参加人员", "Participants"),
    "field.started_at": ("签到时间", "Check-in time"),
    "field.ended_at": ("签退时间", "Check-out time"),
    "field.lat": ("纬度", "Latitude"),
    "field.lon": ("经度", "Longitude"),
    "field.accuracy_m": ("定位精度", "GPS accuracy"),
    "field.photos": ("照片", "Photos"),
    "field.photo": ("照片", "Photo"),
    "field.district_id": ("片区", "District"),
    "field.created_at": ("创建时间", "Created"),
    "visit.default_purpose": ("实地指导", "On-site guidance"),
    # opinion
    "opinion.title": ("书面意见", "Written opinion"),
    "opinion.linked": ("关联实地指导：{site}", "For the visit: {site}"),
    "opinion.standalone": ("不关联实地指导", "Not linked to a visit"),
    "field.subject": ("事项", "Subject"),
    "field.opinion_kind": ("意见类型", "Kind of opinion"),
    "field.body": ("意见正文", "Opinion"),
    "field.suggestions": ("建议", "Suggestions"),
    "field.required_changes": ("需修改内容", "Required changes"),
    "field.dissent": ("不同意见（存档）", "Dissent (kept on record)"),
    "field.visit_id": ("关联指导", "Linked visit"),
    "field.issued_at": ("出具时间", "Issued"),
    "opinion_kind.plan_review": ("规划方案审查", "Plan review"),
    "opinion_kind.design_review": ("设计方案审查", "Design review"),
    "opinion_kind.consultation": ("咨询", "Consultation"),
    "opinion_kind.other": ("其他", "Other"),
    # feedback
    "feedback.title": ("居民意见", "Resident feedback"),
    "field.place": ("地点", "Place"),
    "field.category": ("类别", "Category"),
    "field.content": ("意见内容", "What the resident said"),
    "field.contact": ("联系方式", "Contact"),
    "field.contact_consent": ("居民同意留下联系方式", "The resident agrees to leave a contact"),
    "field.collected_at": ("收集时间", "Collected"),
    "feedback.contact_hint": ("仅在居民同意时填写", "Only with the resident's consent"),
    "category.planning": ("规划", "Planning"),
    "category.environment": ("环境", "Environment"),
    "category.traffic": ("交通", "Traffic"),
    "category.public_facilities": ("公共设施", "Public facilities"),
    "category.housing": ("住房", "Housing"),
    "category.other": ("其他", "Other"),
    # records
    "records.title": ("我的记录", "My records"),
    "records.empty": ("还没有记录", "No records yet"),
    "records.fix": ("修改后重新提交", "Fix and resend"),
    "records.resent": ("已修改，等待重新上传", "Fixed; waiting to be sent again"),
    "records.reason": ("退回原因：{reason}", "Reason: {reason}"),
    "records.search": ("搜索记录（地点、事项、内容）", "Search (place, subject, what was said)"),
    "records.search_go": ("搜索", "Search"),
    "records.year_filter": ("年份", "Year"),
    "records.all_years": ("全部年份", "All years"),
    "records.year": ("{year} 年", "{year}"),
    "records.found": ("找到 {count} 条", "{count} found"),
    "records.none_found": ("没有符合条件的记录", "No record matches"),
    "records.gone": ("这条记录已不在本机上。", "This record is no longer on the phone."),
    "records.linked_visit": ("关联的实地指导：{visit}", "Linked visit: {visit}"),
    "kind.visit": ("实地指导", "Visit"),
    "kind.opinion": ("书面意见", "Opinion"),
    "kind.feedback": ("居民意见", "Feedback"),
    "status.saved": ("已保存在本机", "Saved on the phone"),
    "status.photos": ("照片 {done}/{total}", "Photos {done}/{total}"),
    "status.synced": ("已同步", "Synced"),
    "status.confirmed": ("已确认", "Confirmed"),
    "status.rejected": ("已退回", "Rejected"),
    "status.conflict": ("有冲突", "Conflict"),
    "status.invalid": ("服务器拒收", "Refused by the server"),
    # sync
    "sync.title": ("同步", "Sync"),
    "sync.now": ("立即同步", "Sync now"),
    "sync.running": ("正在同步…", "Syncing…"),
    "sync.phase.push": ("上传记录 {done}/{total}", "Uploading records {done}/{total}"),
    "sync.phase.photos": ("上传照片 {done}/{total}", "Uploading photos {done}/{total}"),
    "sync.phase.pull": ("下载更新 {done}/{total}", "Downloading updates {done}/{total}"),
    "sync.phase.other": ("{phase} {done}/{total}", "{phase} {done}/{total}"),
    "sync.waiting": ("等待上传：{count} 项", "Waiting to upload: {count}"),
    "sync.done": ("同步完成", "Sync finished"),
    "sync.partial": ("有 {count} 项未能同步：{detail}", "{count} items could not be synced: {detail}"),
    "sync.waiting_list": ("等待上传的记录", "Records waiting to upload"),
    "sync.last_error": ("上次出错：{error}", "Last error: {error}"),
    "sync.no_error": ("没有错误", "No errors"),
    "sync.conflicts": ("冲突", "Conflicts"),
    "sync.no_conflicts": ("没有冲突", "No conflicts"),
    "sync.keep_mine": ("保留我的", "Keep mine"),
    "sync.keep_server": ("采用服务器的", "Use the server's"),
    "sync.auto": ("能连上服务器时自动同步", "Syncs by itself when the server can be reached"),
    "sync.clock": ("本机时钟与服务器相差 {seconds} 秒", "Phone clock differs from the server by {seconds} s"),
    # --- district staff and coordinators (online screens) ---
    "nav.queue": ("待确认", "To confirm"),
    "nav.activities": ("活动", "Activities"),
    "nav.opinions": ("意见回访", "Follow-up"),
    "nav.dashboard": ("总览", "Dashboard"),
    "nav.map": ("地图", "Map"),
    "nav.appraisal": ("考核", "Appraisal"),
    "online.unreachable": ("连不上服务器，请联网后重试。", "Cannot reach the server. Try again when online."),
    "online.not_allowed": ("没有权限查看或处理这项内容。", "You may not see or change this."),
    "online.refused": ("服务器未接受：{detail}", "The server refused: {detail}"),
    "staff.queue_title": ("待确认的实地指导", "Visits to confirm"),
    "staff.queue_count": (
        "待确认 {count} 条，本次已处理 {decided} 条",
        "{count} waiting, {decided} done this session",
    ),
    "staff.queue_empty": ("全部处理完了。", "All done."),
    "staff.all_districts": ("全部片区", "All districts"),
    "staff.start": ("开始逐条确认", "Start confirming"),
    "staff.refresh": ("刷新", "Refresh"),
    "staff.position": ("第 {n} 条，共 {total} 条", "Visit {n} of {total}"),
    "staff.by": ("规划师：{planner}", "Planner: {planner}"),
    "staff.duration": ("时长 {hours} 小时（{minutes} 分钟）", "{hours} h ({minutes} min)"),
    "staff.no_checkout": ("未签退，无时长", "No check-out, no duration"),
    "staff.accuracy": ("（±{acc} 米）", "(±{acc} m)"),
    "staff.no_flags": ("无异常", "No exceptions"),
    "staff.photos_missing": ("还有 {count} 张照片未上传", "Photos not uploaded yet: {count}"),
    "staff.reason_code": ("异常确认理由（必选）", "Reason for confirming (required)"),
    "staff.reason_needed": (
        "这条记录有异常，请先选择确认理由。",
        "This visit has exceptions: choose a reason first.",
    ),
    "staff.refused.reason_code": ("确认理由：{detail}", "Reason: {detail}"),
    "staff.refused.note": ("说明：{detail}", "Note: {detail}"),
    "staff.note": ("说明（可选）", "Note (optional)"),
    "staff.confirm": ("确认", "Confirm"),
    "staff.reject": ("退回…", "Reject…"),
    "staff.reject_reason": ("退回原因", "Reason for rejecting"),
    "staff.reject_send": ("退回给规划师", "Send back"),
    "staff.confirmed": ("已确认：{site}。", "Confirmed: {site}."),
    "staff.rejected": ("已退回：{site}。", "Rejected: {site}."),
    "staff.undo": ("撤销", "Undo"),
    "staff.next": ("下一条", "Next"),
    "staff.undone": ("已撤销，{site} 重新待确认。", "Undone: {site} waits for a decision again."),
    "staff.undo_hint": ("{minutes} 分钟内可以撤销。", "You can undo this for {minutes} minutes."),
    "staff.undo_refused.reviewed_at": (
        "已超过 {minutes} 分钟，不能撤销；需要改变决定请重新确认或退回。",
        "More than {minutes} minutes ago: it can no longer be undone; decide again instead.",
    ),
    "staff.undo_refused.version": (
        "规划师已修改这条记录，不能撤销；请按新的内容重新审核。",
        "The planner changed the visit since: it can no longer be undone; review it again.",
    ),
    "staff.undo_refused.reviewed_by": (
        "只有作出决定的人可以撤销。",
        "Only the person who decided can undo it.",
    ),
    "staff.filter_planner": ("规划师", "Planner"),
    "staff.all_planners": ("全部规划师", "All planners"),
    "staff.filter_flag": ("异常", "Exceptions"),
    "staff.all_flags": ("不限", "Any or none"),
    "staff.flag_any": ("有异常", "With exceptions"),
    "staff.flag_none": ("无异常", "Without exceptions"),
    "staff.days.all": ("全部日期", "All dates"),
    "staff.days.today": ("今天", "Today"),
    "staff.days.week": ("近 7 天", "Last 7 days"),
    "staff.days.month": ("近 30 天", "Last 30 days"),
    "staff.newest_first": ("最新的在前", "Newest first"),
    "activity.title": ("咨询活动", "Consultation activities"),
    "activity.new": ("新建活动", "New activity"),
    "activity.none": ("本年还没有活动", "No activities this year"),
    "activity.topic": ("主题", "Topic"),
    "activity.place": ("地点", "Place"),
    "activity.date": ("日期", "Date"),
    "activity.time": ("时间", "Time"),
    "activity.bad_time": ("格式应为 2026-11-30 和 09:00", "use the form 2026-11-30 and 09:00"),
    "activity.invite": ("邀请规划师", "Invite planners"),
    "activity.no_planners": ("请至少邀请一位规划师。", "Invite at least one planner."),
    "activity.create": ("创建并发送邀请", "Create and send invitations"),
    "activity.created": (
        "活动已创建，已邀请 {count} 位规划师。",
        "Activity created; {count} planners invited.",
    ),
    "activity.attendance": ("出席记录", "Attendance"),
    "activity.reason": ("请假原因", "Reason for the excused absence"),
    "activity.reason_hint": ("选“请假”时必填", "Needed for an excused absence"),
    "activity.reason_shown": ("原因：{reason}", "Reason: {reason}"),
    "activity.recorded": ("出席情况已记录。", "Attendance recorded."),
    "activity.status.attended": ("出席", "Attended"),
    "activity.status.excused": ("请假（需填原因）", "Excused (with reason)"),
    "activity.status.unexcused": ("无故缺席", "Absent, no reason"),
    "activity.mark.attended": ("出席", "Attended"),
    "activity.mark.excused": ("请假", "Excused"),
    "activity.mark.unexcused": ("无故缺席", "Unexcused"),
    "activity.status.none": ("未记录出席", "Not recorded"),
    "activity.response.accepted": ("已接受邀请", "Accepted"),
    "activity.response.declined": ("已婉拒", "Declined"),
    "activity.response.none": ("未回复", "No answer yet"),
    "follow.title": ("书面意见回访", "Opinion follow-up"),
    "follow.none": ("没有需要回访的书面意见", "No opinions to follow up"),
    "follow.todo": ("待回访", "Not followed up"),
    "follow.done": ("{adoption} · 质量 {quality} 分", "{adoption} · quality {quality}"),
    "follow.adoption": ("设计单位是否采纳", "Did the design unit adopt it?"),
    "follow.adopted": ("采纳", "Adopted"),
    "follow.partly": ("部分采纳", "Partly"),
    "follow.not_adopted": ("未采纳", "Not adopted"),
    "follow.quality": ("意见质量（1–5 分）", "Quality of the opinion (1–5)"),
    "follow.saved": ("回访已保存。", "Follow-up saved."),
    "dash.year": ("{year} 年", "{year}"),
    "dash.prev_year": ("上一年", "Previous year"),
    "dash.next_year": ("下一年", "Next year"),
    "dash.on_track": ("进度正常", "On track"),
    "dash.behind": ("落后 {n} 次", "Behind by {n}"),
    "dash.no_target": ("无年度指标", "No target"),
    "dash.visits_of": ("实地指导 {n} / {target} 次已确认", "Visits {n} / {target} confirmed"),
    "dash.visits": ("实地指导 {n} 次已确认", "{n} visits confirmed"),
    "dash.pending": ("（另有 {n} 次待确认）", " ({n} pending)"),
    "dash.hours": ("工作时长 {hours} 小时", "{hours} working hours"),
    "dash.opinions": ("书面意见 {n} 份", "{n} written opinions"),
    "dash.opinions_mean": (
        "书面意见 {n} 份，平均质量 {mean} 分",
        "{n} written opinions, mean quality {mean}",
    ),
    "dash.feedback_absences": (
        "居民意见 {feedback} 条 · 无故缺席 {absences} 次",
        "{feedback} feedback · {absences} unexcused absences",
    ),
    "dash.totals": ("全部合计", "Totals"),
    "dash.totals_line": (
        "{planners} 位规划师 · 已确认指导 {visits} 次",
        "{planners} planners · {visits} confirmed visits",
    ),
    "dash.totals_line2": (
        "书面意见 {opinions} 份 · 居民意见 {feedback} 条",
        "{opinions} opinions · {feedback} feedback",
    ),
    "dash.alerts": ("待处理提醒 {count} 条", "{count} open alerts"),
    "dash.chart_visits": ("已确认实地指导（对照年度指标）", "Confirmed visits against the target"),
    "dash.chart_legend": (
        "蓝色：进度正常；红色：落后进度；灰色：年度指标",
        "Blue: on track; red: behind pace; grey: the year's target",
    ),
    "dash.chart_visits_behind": ("落后最多的 {n} 位规划师", "The {n} planners furthest behind"),
    "dash.chart_hours": ("各片区已确认工作时长", "Confirmed hours per district"),
    "dash.districts": ("各片区合计", "Totals per district"),
    "dash.district_line": (
        "{name}：{planners} 人 · 指导 {visits} 次 · {hours} 小时 · 意见 {opinions} 份"
        " · 居民意见 {feedback} 条",
        "{name}: {planners} planners · {visits} visits · {hours} h · {opinions} opinions"
        " · {feedback} feedback",
    ),
    "dash.map": ("指导地图", "Map of visits"),
    "dash.appraisal": ("年度考核", "Appraisal"),
    "dash.downloads": ("下载报表", "Downloads"),
    "dash.quarter": ("季度", "Quarter"),
    "dash.quarter_n": ("第 {q} 季度", "Q{q}"),
    "dash.quarterly_xlsx": ("季度服务记录（XLSX）", "Quarterly record (XLSX)"),
    "dash.hr_xlsx": ("人社汇总表（XLSX）", "HR summary (XLSX)"),
    "dash.annual_docx": ("年度报告", "Annual report"),
    "dash.download_started": ("已开始下载：{name}", "Download started: {name}"),
    "dash.planners": ("规划师（{count} 位）", "Planners ({count})"),
    "dash.dossier": ("考核档案", "Dossier"),
    "dash.more": ("再显示更多（还有 {count} 位）", "Show more ({count} left)"),
    "map.title": ("{year} 年实地指导地图", "Visits in {year}"),
    "map.none": ("这一年没有带定位的实地指导。", "No visits with a position this year."),
    "map.legend.confirmed": ("已确认 {n}", "Confirmed {n}"),
    "map.legend.pending": ("待确认 {n}", "Pending {n}"),
    "map.legend.rejected": ("已退回 {n}", "Rejected {n}"),
    "appraisal.title": ("年度考核", "Annual appraisal"),
    "appraisal.cap": (
        "已选优秀 {chosen} 人，最多 {cap} 人（共 {n} 人）",
        "{chosen} excellent chosen, at most {cap} of {n}",
    ),
    "appraisal.no_cap": ("已选优秀 {chosen} 人（本地无比例限制）", "{chosen} excellent chosen (no cap here)"),
    "appraisal.suggested": ("建议：{grade}（{reasons}）", "Suggested: {grade} ({reasons})"),
    "appraisal.final": ("已定：{grade}", "Final: {grade}"),
    "appraisal.grade_for": ("{name} 的考核等次", "Grade for {name}"),
    "appraisal.dossier_of": ("{name} 的考核档案", "Dossier of {name}"),
    "appraisal.save": ("保存考核等次", "Save the grades"),
    "appraisal.saved": ("考核等次已保存。", "Grades saved."),
    "appraisal.refused_cap": (
        "不能保存：{n} 人中最多 {cap} 人可评为“{grade}”（不超过 {pct}%）。请先把 {name} 改为其他等次。",
        "Not saved: at most {cap} of {n} planners may be graded \u201c{grade}\u201d ({pct}% cap)."
        " Change {name} to another grade first.",
    ),
    "reason.below_target": ("未达年度指导次数", "below the visit target"),
    "reason.absence_warning": ("缺席达到警示", "absence warning"),
    "reason.no_service": ("全年无服务记录", "no service all year"),
    "reason.top_ranked": ("排名靠前", "ranked at the top"),
    "reason.over_cap": ("优秀名额已满", "excellent places taken"),
    "dossier.title": ("{name} · {year} 年考核档案", "{name} · dossier {year}"),
    "dossier.records": ("{count} 条记录，点开查看", "{count} records, tap to see"),
    "dossier.no_records": ("没有记录", "No records"),
    "consequence.continuing_education_waived": (
        "免当年继续教育学时",
        "a year of continuing education waived",
    ),
    "consequence.title_priority": ("职称评审优先", "priority in title review"),
    "consequence.talent_programme_first": ("优先推荐人才项目", "first in line for talent programmes"),
    "consequence.dismissal": ("解聘", "dismissal"),
    "consequence.not_renewed": ("不再续聘", "not renewed"),
    "consequence.removed_from_pool": ("移出规划师库", "removed from the pool"),
    "audit.title": ("审计日志", "Audit log"),
    "audit.none": ("还没有记录", "Nothing recorded yet"),
    "audit.more": ("更早的记录", "Older entries"),
    "audit.system": ("系统", "system"),
    "audit.visit.confirm": ("确认实地指导", "confirmed a visit"),
    "audit.visit.reject": ("退回实地指导", "rejected a visit"),
    "audit.visit.undo": ("撤销对实地指导的确认或退回", "undid a confirm or reject of a visit"),
    "audit.activity.create": ("创建咨询活动", "created an activity"),
    "audit.activity.attendance": ("记录出席", "recorded attendance"),
    "audit.opinion.follow_up": ("书面意见回访", "followed up an opinion"),
    "audit.appraisal.grades": ("设定考核等次", "set appraisal grades"),
    "audit.planner.update": ("修改规划师信息", "changed a planner's details"),
    "audit.planner.exit_request": ("登记退出申请", "recorded an exit request"),
    "audit.user.add": ("新增账号", "added an account"),
    "audit.district.add": ("新增片区", "added a district"),
    "audit.sync.push": ("同步上传", "sync upload"),
    "dossier.quality": ("质量 {quality} 分", "quality {quality}"),
    "review.pending": ("待确认", "pending"),
    "review.confirmed": ("已确认", "confirmed"),
    "review.rejected": ("已退回", "rejected"),
    "dossier.opinion_docx": ("书面意见 {id}（DOCX）", "Opinion {id} (DOCX)"),
    "indicator.confirmed_visits": ("已确认实地指导", "Confirmed visits"),
    "indicator.hours": ("工作时长（小时）", "Working hours"),
    "indicator.opinions": ("书面意见", "Written opinions"),
    "indicator.opinion_quality": ("意见平均质量", "Mean opinion quality"),
    "indicator.adopted": ("被采纳", "Adopted"),
    "indicator.partly_adopted": ("部分采纳", "Partly adopted"),
    "indicator.not_adopted": ("未采纳", "Not adopted"),
    "indicator.dissents": ("存档的不同意见", "Dissents on record"),
    "indicator.feedback": ("居民意见", "Resident feedback"),
    "indicator.activities_attended": ("出席活动", "Activities attended"),
    "indicator.absences_excused": ("请假", "Excused absences"),
    "indicator.absences_unexcused": ("无故缺席", "Unexcused absences"),
    "alert.behind_pace": (
        "进度落后 {behind_by} 次（应达 {expected}，已确认 {confirmed}）",
        "behind pace by {behind_by} ({confirmed} of {expected} due)",
    ),
    "alert.absence_warning": (
        "无故缺席 {count} 次，达到解聘警示（{limit} 次）",
        "{count} unexcused absences: dismissal warning (limit {limit})",
    ),
    "alert.term_ending": (
        "聘期 {days_left} 天后结束（{term_end}）",
        "term ends in {days_left} days ({term_end})",
    ),
    "alert.short_exit_notice": (
        "退出申请只提前 {notice_working_days} 个工作日（需 {required_working_days} 个）",
        "exit notice of {notice_working_days} working days ({required_working_days} required)",
    ),
    # planner: invitations to consultation activities
    "invitation.accept": ("接受", "Accept"),
    "invitation.decline": ("婉拒", "Decline"),
    "invitation.accepted": ("已接受（待上传）", "Accepted (waiting to upload)"),
    "invitation.declined": ("已婉拒（待上传）", "Declined (waiting to upload)"),
    "kind.invitation_response": ("活动邀请回复", "Invitation answer"),
    "field.activity_id": ("活动", "Activity"),
    "field.response": ("回复", "Answer"),
    "field.note": ("说明", "Note"),
    # the phone's storage: what waits on it, and a full or unwritable store
    "storage.waiting": (
        "本机等待上传：{records} 条记录、{photos} 张照片，占 {waiting}；本机数据共占 {used}。",
        "Waiting on this phone: records {records}, photos {photos}, taking {waiting}; "
        "all data on the phone: {used}.",
    ),
    "storage.nothing_waiting": (
        "本机没有等待上传的内容；本机数据共占 {used}。",
        "Nothing is waiting on this phone; all data on the phone: {used}.",
    ),
    "storage.free": ("手机剩余空间：{free}", "Free on the phone: {free}"),
    "storage.full": (
        "手机存储空间已满，这一项没有保存；之前保存的记录和照片都还在。请删掉手机上不需要的文件后再试。",
        "The phone's storage is full, so this was not saved; everything saved before is still there. "
        "Free some space on the phone and try again.",
    ),
    "storage.unwritable": (
        "手机存储不能写入，这一项没有保存；之前保存的记录和照片都还在。请重新打开应用，仍不行请联系管理员。",
        "The phone's storage cannot be written to, so this was not saved; everything saved before is still "
        "there. Reopen the app; if it happens again, tell your admin.",
    ),
    "storage.signin_full": (
        "手机存储空间已满，现在无法登录；本机保存的记录和照片都还在。请删掉手机上不需要的文件后再试。",
        "The phone's storage is full, so you cannot sign in now; the records and photos on this phone are "
        "all still there. Free some space on the phone and try again.",
    ),
    "storage.signin_unwritable": (
        "手机存储不能写入，本机记录现在打不开；记录和照片都还在手机上。请重新打开应用，仍不行请联系管理员。",
        "The phone's storage cannot be written to, so its records cannot be opened now; they are all still "
        "on the phone. Reopen the app; if it happens again, tell your admin.",
    ),
    "storage.sync_full": (
        "手机存储空间已满，同步停下了；本机记录和照片都还在，腾出空间后会接着同步。",
        "The phone's storage is full, so syncing stopped; the records and photos on this phone are all "
        "still there and syncing goes on once there is space.",
    ),
    "storage.sync_unwritable": (
        "手机存储不能写入，同步停下了；本机记录和照片都还在。请重新打开应用，仍不行请联系管理员。",
        "The phone's storage cannot be written to, so syncing stopped; the records and photos on this phone "
        "are all still there. Reopen the app; if it happens again, tell your admin.",
    ),
    # permissions, asked right before the app uses them
    "permission.location.title": ("位置权限", "Location"),
    "permission.location.denied": (
        "没有位置权限：签到照样保存，请写下地点（记录会标明“未定位”）。下次签到时可以选择“允许”。",
        "No permission to use your location: the check-in is still saved; name the place (the visit shows "
        "“no GPS fix”). You can allow it at the next check-in.",
    ),
    "permission.location.denied_forever": (
        "本应用的位置权限已关闭：签到照样保存，请写下地点（记录会标明“未定位”）。"
        "要自动定位，请在手机设置里为本应用打开“位置”。",
        "Location is turned off for this app: the check-in is still saved; name the place (the visit shows "
        "“no GPS fix”). To locate automatically, allow Location for this app in the phone's settings.",
    ),
    "permission.location.unavailable": (
        "手机没有提供定位（定位服务可能已关闭）：签到照样保存，请写下地点。",
        "The phone gave no location (location services may be off): the check-in is still saved; "
        "name the place.",
    ),
    "permission.camera.title": ("相机权限", "Camera"),
    "permission.camera.denied": (
        "没有相机权限：仍可从相册选择照片，记录照常保存。下次拍照时可以选择“允许”。",
        "No permission to use the camera: you can still choose photos from the gallery and the record is "
        "saved as usual. You can allow it the next time you take a photo.",
    ),
    "permission.camera.denied_forever": (
        "本应用的相机权限已关闭：仍可从相册选择照片，记录照常保存。要拍照，请在手机设置里为本应用打开“相机”。",
        "The camera is turned off for this app: you can still choose photos from the gallery and the record "
        "is saved as usual. To take photos, allow Camera for this app in the phone's settings.",
    ),
    "permission.camera.unavailable": (
        "这台设备现在不能拍照：仍可从相册选择照片，记录照常保存。",
        "This device cannot take a photo now: you can still choose photos from the gallery and the record is "
        "saved as usual.",
    ),
    "permission.open_settings": ("打开设置", "Open settings"),
    "permission.ok": ("知道了", "OK"),
    # errors in plain words
    "error.unreachable": (
        "连不上服务器，记录都保存在本机，联网后会自动上传。",
        "Cannot reach the server. Everything is saved on the phone and will upload when online.",
    ),
    "error.auth": ("登录已过期，请重新登录。", "Your sign-in has expired. Please sign in again."),
    "error.server": ("服务器出错：{detail}", "Server error: {detail}"),
    "error.field": ("{field}：{message}", "{field}: {message}"),
    "error.required": ("必填", "is required"),
    "error.photo": ("无法读取这张照片", "This photo cannot be read"),
    "error.no_open_visit": ("没有进行中的实地指导", "No visit is open"),
    "time.never": ("从未", "never"),
}

CATALOGUE: Final[dict[str, dict[str, str]]] = {
    lang: {key: pair[i] for key, pair in _T.items()} for i, lang in enumerate(LANGS)
}

# validate() speaks English; these are the messages a planner can cause by hand, in Chinese.
_MESSAGES_ZH: Final = {
    "is required": "必填",
    "is before started_at": "早于签到时间",
    "lat and lon go together": "经纬度必须同时填写",
    "is stored only with the resident's consent (contact_consent)": "只有居民同意才能保存联系方式",
    "must be a district id (a positive whole number)": "账号没有片区",
    # Text pasted from some PDFs and old systems carries it; the server could not keep it.
    NUL_MESSAGE: "含有无法保存的空字符（U+0000），请删掉后再保存",
}


def t(lang: str, key: str, **values: object) -> str:
    """The text for ``key`` in ``lang``; an unknown key shows itself so a gap is visible, never blank."""
    table = CATALOGUE.get(lang, CATALOGUE[DEFAULT_LANG])
    text = table.get(key, key)
    return text.format(**values) if values else text


def field_error(lang: str, field: str, message: str) -> str:
    """A validation error in plain words with the field's own label, e.g. ``地点：必填``."""
    label = t(lang, f"field.{field}") if f"field.{field}" in _T else field
    if lang == "zh":
        message = _MESSAGES_ZH.get(message, message)
    return t(lang, "error.field", field=label, message=message)


def fmt_hours(hours: float) -> str:
    return f"{hours:.2f}"


def fmt_bytes(size: int, lang: str) -> str:
    """A size as a planner reads it on a phone: ``12 KB``, ``3.4 MB``, ``1.2 GB`` (decimal units)."""
    if size < 1000:
        return f"{size} 字节" if lang == "zh" else f"{size} bytes"
    if size < 999_500:
        return f"{size / 1e3:.0f} KB"
    if size < 999_950_000:
        return f"{size / 1e6:.1f} MB"
    return f"{size / 1e9:.1f} GB"


def fmt_time(value: str | datetime | None, lang: str, tz: str = "Asia/Shanghai") -> str:
    """Local wall-clock time, e.g. ``11月22日 09:30`` / ``22 Nov 09:30``."""
    if value is None:
        return t(lang, "time.never")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(tz))
    if lang == "zh":
        return f"{moment.month}月{moment.day}日 {moment:%H:%M}"
    return f"{moment.day} {moment:%b} {moment:%H:%M}"
