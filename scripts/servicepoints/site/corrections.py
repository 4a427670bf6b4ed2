"""Corrections without any account: the editing group's address and phone from the settings.

When ``corrections_email`` / ``corrections_phone`` are set (checked strictly by core/settings.py), every
point page offers a mail link whose subject and body already hold the record's id, file and page
address, and the number to call; /admin/ and the editor's guide name both. Unset, nothing is shown.
"""

from __future__ import annotations

from urllib.parse import quote

from ..core.settings import Settings

# What a correction asks, by issue (cms.CORRECTION_BODY, after NAME_LINE) or by mail (MAIL_BODY, whose
# subject names the point): the record, then the questions. A mail link stays under the 2,000 characters
# Windows hands to a mail program: the body leaves out the name and the subject shortens a long one.
NAME_LINE = "网点：{name}\n"
ASK = """编号：{id}
记录文件：{path}
页面：{url}

请填写你知道的部分：

1. 哪一项有误或缺失（例如：地址、电话、服务时间、服务项目）：

2. 正确的内容是：

3. 依据或出处（文件或网页的标题、网址、发布日期；或“本人到网点/致电核实”及日期）：
"""
MAIL_BODY = ASK + "\n4. 你的单位（可不填）：\n"  # only the editing group reads a mail
SUBJECT_NAME = 30  # characters of the point's name in a mail's subject
GUIDE_MARK = "<!-- servicepoints:corrections -->"  # where docs/guide.md says how to reach the editing group


def mailto(address: str, subject: str, body: str) -> str:
    """A ``mailto:`` URI (RFC 6068): subject and body percent-encoded as UTF-8, each on its own, line
    breaks as CRLF; the address goes in as it is (the settings allow only characters a mailto may hold)."""
    text = body.replace("\r\n", "\n").replace("\n", "\r\n")
    return f"mailto:{quote(address, safe='@+')}?subject={quote(subject, safe='')}&body={quote(text, safe='')}"


def tel(phone: str) -> str:
    """The ``tel:`` URI of a number as the settings allow it to be written (digits and hyphens)."""
    return "tel:" + phone.replace("-", "")


def contact(settings: Settings) -> dict:
    """What pages show: ``email``, ``phone`` and ``tel`` (each None when not set)."""
    phone = settings.corrections_phone
    return {"email": settings.corrections_email, "phone": phone, "tel": tel(phone) if phone else None}


def point_mail(settings: Settings, point: dict, path: str, page_url: str) -> str | None:
    """The mail link of one point page, pre-filled; None without ``corrections_email``."""
    if not settings.corrections_email:
        return None
    name = point["name"] if len(point["name"]) <= SUBJECT_NAME else point["name"][: SUBJECT_NAME - 1] + "…"
    subject = f"更正网点信息：{name}（{point['id']}）"
    body = MAIL_BODY.format(id=point["id"], path=path, url=page_url)
    return mailto(settings.corrections_email, subject, body)


def guide_markdown(settings: Settings) -> str:
    """The guide's sentence naming the address and phone (Markdown), or "" when neither is set."""
    info = contact(settings)
    ways = []
    if info["email"]:
        ways.append(f"发邮件到 [{info['email']}](mailto:{info['email']})")
    if info["phone"]:
        ways.append(f"打电话到 [{info['phone']}]({info['tel']})")
    if not ways:
        return ""
    return (
        f"**没有任何账号也可以更正**：{'，或'.join(ways)}，告诉编辑组哪个网点、哪一项、正确的内容和出处。"
        "网点页面底部的邮件链接已经填好了网点编号、记录文件和页面地址。"
    )


def fill_guide(markdown: str, settings: Settings) -> str:
    """docs/guide.md with its corrections mark replaced by ``guide_markdown`` (or removed)."""
    return markdown.replace(GUIDE_MARK, guide_markdown(settings))
