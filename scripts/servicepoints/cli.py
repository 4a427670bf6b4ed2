"""The ``servicepoints`` command. Only this layer prints, exits and chooses files."""

from __future__ import annotations

import gc
import json
import math
import re
import sys
from pathlib import Path

import click

from .core.errors import SetupError, errors, printable
from .core.nearest import nearest as find_nearest
from .core.settings import Settings, load_settings
from .registry import output
from .registry.load import Registry, display_path, read_registry
from .registry.validate import Report, validate

DATA = click.option(
    "--data",
    "data_dir",
    default="data",
    show_default=True,
    type=click.Path(path_type=Path),
    help="数据目录（含 datapackage.json 和 points/）。",
)
SETTINGS = click.option(
    "--settings",
    "settings_file",
    default="servicepoints.yml",
    show_default=True,
    help="设置文件；不存在时使用默认设置。",
)
FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True
)


class _Group(click.Group):
    """Turns a broken set-up, or a mistake on the command line, into one clear line and exit status 2."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SetupError as exc:
            click.echo(f"servicepoints: {printable(exc, limit=1000)}", err=True)  # one line, whatever it quotes
            sys.exit(2)
        except click.UsageError as exc:
            click.echo(f"servicepoints: {printable(usage_line(exc), limit=1000)}", err=True)
            sys.exit(2)


def usage_line(exc: click.UsageError) -> str:
    """A mistake on the command line in Chinese (click's own words are English), and where the usage is."""
    where = f"用法见 {exc.ctx.command_path if exc.ctx is not None else 'servicepoints'} --help"
    param = getattr(exc, "param", None)
    name = _param_name(param) if param is not None else "参数"
    kind = getattr(param, "type", None)
    if isinstance(exc, click.NoSuchOption):
        maybe = "、".join(sorted(exc.possibilities or []))
        what = f"没有 {exc.option_name} 这个选项" + (f"（是不是 {maybe}？）" if maybe else "")
    elif isinstance(exc, click.MissingParameter):
        what = f"缺少 {name}"
    elif isinstance(exc, click.BadParameter) and re.search(r"[\u4e00-\u9fff]", exc.message):
        what = exc.message.rstrip("。")  # our own parameter types already speak Chinese
    elif isinstance(exc, click.BadParameter) and isinstance(kind, click.Choice):
        what = f"{name} 只能是 {'、'.join(map(str, kind.choices))} 之一"
    elif isinstance(exc, click.BadParameter) and isinstance(kind, (click.IntRange, click.FloatRange)):
        what = f"{name} 应是{_bounds(kind.min, kind.max)}的数"
    elif isinstance(exc, click.BadParameter):
        what = f"{name} 的值无效（{exc.message}）"
    elif exc.message.startswith("No such command"):
        what = f"没有这个命令（{exc.message}）"
    else:
        what = f"命令行有误（{exc.message}）"
    return f"{what}；{where}。"


def _bounds(low, high) -> str:
    if low is not None and high is not None:
        return f" {low} 到 {high} 之间"
    return f"不小于 {low} " if low is not None else f"不大于 {high} "


def _param_name(param: click.Parameter) -> str:
    """How the reader typed the parameter: the option's longest name, or the argument's name in capitals."""
    if isinstance(param, click.Option):
        return max(param.opts, key=len)
    return (param.name or "").upper()


@click.group(cls=_Group)
@click.version_option(package_name="servicepoints")
def main() -> None:
    """知识产权公共服务网点名录：校验数据、生成网站和开放数据。"""


def _checked(data_dir: Path, settings_file: str) -> tuple[Registry, Report, Settings]:
    settings = load_settings(settings_file)
    registry = read_registry(data_dir)
    return registry, validate(registry, stale_days=settings.stale_days, workers=settings.workers), settings


def _count(registry: Registry) -> int:
    """Records read, plus files that could not be read as one."""
    return len(registry.records) + len({p.file for p in registry.problems})


@main.command("validate")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@DATA
@SETTINGS
@FORMAT
def validate_cmd(files: tuple[Path, ...], data_dir: Path, settings_file: str, fmt: str) -> None:
    """校验全部网点记录；有错误时退出码为 1。

    给出 FILES 时仍校验整个目录（编号重复要跨文件检查），但只报告这些文件的问题。
    """
    settings = load_settings(settings_file)
    wanted = {display_path(f) for f in _inside_data(files, data_dir)}
    registry = read_registry(data_dir)
    report = validate(registry, stale_days=settings.stale_days, workers=settings.workers)
    records = _count(registry)
    problems = report.problems
    if files:
        problems = [p for p in problems if p.file in wanted]
    click.echo(output.FORMATS[fmt](problems, records))
    sys.exit(1 if errors(problems) else 0)


def _inside_data(files: tuple[Path, ...], data_dir: Path) -> list[Path]:
    """The files named on the command line, each an existing file inside the data folder; else
    SetupError (exit 2): a file that is not read must never be reported as valid."""
    root = data_dir.resolve()
    for file in files:
        if not file.is_file():
            raise SetupError(f"要校验的文件 {printable(file)} 不存在（或不是文件）")
        if not file.resolve().is_relative_to(root):
            raise SetupError(f"要校验的文件 {printable(file)} 不在数据目录 {printable(data_dir)} 中，不会被读取")
    return list(files)


LINKS_OUT = ("symlink-outside", "symlink-dangling")


def _code_lists_checked(registry: Registry) -> None:
    """Commands that build paths or schemas from the code lists, or write into data/, check first that no
    link leads out of the data folder (exit 2, one line) and that the code lists are sound (exit 1)."""
    from .registry.codelists import check_code_lists

    links = [p.file for p in registry.problems if p.code in LINKS_OUT]
    if links:
        shown = "、".join(printable(f) for f in links[:3]) + ("等" if len(links) > 3 else "")
        raise SetupError(f"数据目录中有指向目录之外（或不存在）的链接：{shown}；不会经由它写入或读取，请先删除")
    problems = errors(check_code_lists(registry))
    if problems:
        click.echo(output.problems_text(problems, _count(registry)), err=True)
        click.echo("代码表有错误，未写入任何文件。", err=True)
        sys.exit(1)


class _Degrees(click.ParamType):
    """A finite number of degrees within ±limit; anything else is a usage error (exit 2)."""

    def __init__(self, limit: float, what: str) -> None:
        self.limit, self.what, self.name = limit, what, what

    def convert(self, value, param, ctx) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{self.what}应是一个数字，收到“{value}”。", param, ctx)
        if not math.isfinite(number) or abs(number) > self.limit:
            self.fail(f"{self.what}应在 -{self.limit:g} 到 {self.limit:g} 度之间，收到“{value}”。", param, ctx)
        return number


@main.command("nearest")
@click.argument("lat", type=_Degrees(90, "纬度"))
@click.argument("lon", type=_Degrees(180, "经度"))
@click.option("--type", "type_code", help="只看这一类型的网点（类型代码）。")
@click.option("--service", help="只看提供这项服务的网点（服务代码）。")
@click.option("-n", "count", default=5, show_default=True, type=click.IntRange(1, 1000))
@DATA
@SETTINGS
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def nearest_cmd(
    lat: float,
    lon: float,
    type_code: str | None,
    service: str | None,
    count: int,
    data_dir: Path,
    settings_file: str,
    fmt: str,
) -> None:
    """列出离某位置（WGS-84 纬度、经度）最近的网点及直线距离。"""
    registry, report, _ = _checked(data_dir, settings_file)
    if not report.ok:
        click.echo(output.problems_text(report.problems, _count(registry)), err=True)
        sys.exit(1)
    hits = find_nearest(report.points, lat, lon, count, type_code, service)
    if fmt == "json":
        rows = [{"id": p["id"], "name": p["name"], "type": p["type"], "distance_km": round(km, 3)} for p, km in hits]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for rank, (point, km) in enumerate(hits, 1):
        click.echo(f"{rank}. {km:.2f} km  {point['name']}  [{point['type']}]  {point['id']}")
    if not hits:
        click.echo("没有符合条件且有位置的网点。")


@main.command("build")
@DATA
@SETTINGS
@click.option("--out", "out_dir", default="site", show_default=True, type=click.Path(path_type=Path))
@click.option("--config", "config_file", default="mkdocs.yml", show_default=True)
def build_cmd(data_dir: Path, settings_file: str, out_dir: Path, config_file: str) -> None:
    """校验数据，然后生成网站和开放数据；数据有错时什么也不写。"""
    from .build import build_site, check_output

    config = check_output(Path(config_file), data_dir, out_dir, load_settings(settings_file))
    registry, report, settings = _checked(data_dir, settings_file)
    if not report.ok:
        click.echo(output.problems_text(report.problems, _count(registry)), err=True)
        click.echo(f"数据有错误，未生成网站；{out_dir} 保持原样。", err=True)
        sys.exit(1)
    # The registry and its report live while the site is built: the garbage collector need not walk them again at
    # each full collection while the pages are made (about a tenth of the build's CPU in collections that freed
    # nothing, at 20,000 points).
    gc.freeze()
    try:
        build_site(Path(config_file), data_dir, out_dir, settings, checked=(registry, report), config=config)
    finally:
        gc.unfreeze()  # for a caller that goes on in this process (the tests run commands in theirs)
    click.echo(f"已生成 {out_dir}/：{len(report.points)} 个网点。")


@main.command("new")
@click.option("--type", "type_code", required=True, help="网点类型代码，如 enterprise-studio。")
@click.option("--town", required=True, help="镇街全称，如 小榄镇。")
@click.option("--name", required=True, help="网点名称。")
@click.option("--status", default="operating", show_default=True)
@DATA
@SETTINGS
def new_cmd(type_code: str, town: str, name: str, status: str, data_dir: Path, settings_file: str) -> None:
    """新建一条网点记录文件，写好所有字段的中文说明。"""
    from .registry.newrecord import write_new_record

    load_settings(settings_file)
    registry = read_registry(data_dir)
    _code_lists_checked(registry)
    path = display_path(write_new_record(data_dir, type_code, town, name, status, registry))
    click.echo(f"已新建 {path}：请填写 lat、lon 等字段，然后运行 servicepoints validate。")


@main.command("schema")
@DATA
@SETTINGS
@click.option("--write", is_flag=True, help="写入 DATA/point.schema.json（记录第一行引用的文件）。")
def schema_cmd(data_dir: Path, settings_file: str, write: bool) -> None:
    """输出由数据包描述生成的单条记录 JSON Schema，供编辑器自动提示。"""
    from .registry.jsonschema import point_json_schema
    from .registry.safewrite import write_inside

    load_settings(settings_file)
    registry = read_registry(data_dir)
    _code_lists_checked(registry)
    text = json.dumps(point_json_schema(registry.descriptor, registry.tables), ensure_ascii=False, indent=2) + "\n"
    if write:
        path = write_inside(data_dir, "point.schema.json", text)
        click.echo(f"已写入 {display_path(path)}")
    else:
        click.echo(text, nl=False)


def _day(ctx, param, value: str | None):
    """A --today given on the command line: a real date (core.dates), else a usage error (exit 2)."""
    from .core.dates import real_date

    if value is None:
        return None
    day = real_date(value)
    if day is None:
        raise click.BadParameter(f"应是真实存在的日期，写成 YYYY-MM-DD，收到“{value}”")
    return day


@main.command("stale")
@DATA
@SETTINGS
@click.option("--days", type=click.IntRange(0, 36500), help="超过多少天未核实算过期；默认取设置中的 stale_days。")
@click.option("--today", callback=_day, help="按这一天来判断（YYYY-MM-DD），默认今天。")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def stale_cmd(data_dir: Path, settings_file: str, days: int | None, today, fmt: str) -> None:
    """按镇街列出久未核实或从未核实的记录；每年 12 月起，节假日表缺下一年时也提醒。"""
    import datetime as dt

    from .registry.freshness import stale_by_town
    from .registry.holidays import missing_next_year

    day = today or dt.date.today()
    settings = load_settings(settings_file)
    days = settings.stale_days if days is None else days
    registry = read_registry(data_dir)
    report = validate(registry, today=day, stale_days=days, workers=settings.workers)
    if not report.ok:
        click.echo(output.problems_text(report.problems, _count(registry)), err=True)
        sys.exit(1)
    holiday_warning = missing_next_year(registry.tables.get("holidays", []), day)
    if holiday_warning:
        click.echo(f"警告：{holiday_warning}", err=fmt == "json")
    groups = stale_by_town(report.points, days, day)
    if fmt == "json":
        click.echo(json.dumps(groups, ensure_ascii=False, indent=2))
        return
    for town, rows in groups.items():
        click.echo(f"{town}（{len(rows)}）")
        for row in rows:
            click.echo(f"  {row['id']}  {row['name']}  最近核实：{row['verified'] or '从未核实'}")
    if not groups:
        click.echo("所有记录都在有效期内核实过。")


@main.command("sheet")
@click.option("--town", "towns", multiple=True, help="镇街全称，可写多次；不写则导出全市。")
@click.option("--out", "out_file", type=click.Path(path_type=Path), help="写入的 .xlsx 文件；默认 填报表-镇街.xlsx。")
@DATA
@SETTINGS
def sheet_cmd(towns: tuple[str, ...], out_file: Path | None, data_dir: Path, settings_file: str) -> None:
    """导出填报表（.xlsx）：每个网点一行，供镇街核对、补充后交回，再用 servicepoints import 导入。"""
    import datetime as dt

    from .publish.export import zip_bytes
    from .publish.sheet import fill_in_workbook
    from .registry.suggest import did_you_mean

    settings = load_settings(settings_file)
    registry = read_registry(data_dir)
    _code_lists_checked(registry)
    known = [t["name"] for t in registry.tables["towns"]]
    for town in towns:
        if town not in known:
            raise SetupError(f"未知镇街 {town}。{did_you_mean(town, {t: t for t in known})}")
    chosen = [t for t in known if t in towns] or None
    out = out_file or Path(f"填报表-{'-'.join(chosen) if chosen else '全市'}.xlsx")
    if out.suffix.lower() != ".xlsx":
        raise SetupError(f"--out 应是 .xlsx 文件，收到 {out}")
    if out.resolve().is_relative_to(registry.root.resolve()):
        raise SetupError(f"--out 不能写进数据目录 {display_path(registry.root)}：填报表不是网点记录。")
    if out.is_dir() or out.is_symlink():
        raise SetupError(f"{out} 是文件夹或链接，不写入。")
    if not out.parent.is_dir():
        raise SetupError(f"--out 所在的文件夹 {out.parent} 不存在：请先建好这个文件夹，或换一个位置。")
    day = dt.date.today().isoformat()
    members = fill_in_workbook(registry, chosen, settings, day, settings.corrections_email)
    try:
        out.write_bytes(zip_bytes(members, day))
    except OSError as exc:
        raise SetupError(f"不能写入 {out}：{exc.strerror or exc}。请换一个可以写入的位置。") from None
    count = len([r for r in registry.records if chosen is None or r.values.get("town") in chosen])
    click.echo(f"已写入 {out}：{'、'.join(chosen) if chosen else '全市'} {count} 个网点。")


@main.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--write", is_flag=True, help="写入数据目录；不加时只列出将做的修改，什么也不写。")
@click.option("--by", "by", help="提交填报表的单位名称（不写个人姓名）；加 --write 时必填。")
@click.option("--force", is_flag=True, help="导出后记录已被修改（版本不同）的行也导入，覆盖那些修改。")
@click.option("--date", "day", callback=_day, help="提交日期（YYYY-MM-DD），默认今天。")
@DATA
@SETTINGS
def import_cmd(file: Path, write: bool, by: str | None, force: bool, day, data_dir: Path, settings_file: str) -> None:
    """导入交回的填报表（.xlsx 或 .csv）：逐条列出修改；加 --write --by 单位名称 才写入。"""
    import datetime as dt

    from .registry import intake, intakewrite
    from .registry.xlsxread import MAX_FILE, SheetError

    if write and not by:
        raise click.UsageError("--write 需要 --by 单位名称：写明是哪个单位提交的填报表。")
    try:
        provider = intake.organisation(by) if by else "（未写 --by）"
    except intake.CellError as exc:
        raise click.UsageError(str(exc)) from None
    submitted = day or dt.date.today()
    if submitted > dt.date.today():
        raise click.UsageError(f"--date {submitted} 晚于今天。")
    try:
        with file.open("rb") as handle:
            raw = handle.read(MAX_FILE + 1)
    except OSError as exc:
        raise SetupError(f"无法读取 {file}：{exc.strerror or exc}") from None
    settings = load_settings(settings_file)
    registry = read_registry(data_dir)
    _code_lists_checked(registry)
    cols = intake.columns(registry.descriptor, registry.tables)
    try:
        sheet = intake.read_returned(raw, file.name, cols, registry.descriptor.area_code())
    except SheetError as exc:
        click.echo(f"{file.name}：{exc}", err=True)
        click.echo("未导入，未写入任何文件。", err=True)
        sys.exit(1)
    result = intake.plan(
        registry,
        sheet,
        cols,
        provider,
        submitted,
        force,
        validate_with=lambda trial, today: validate(trial, today, settings.stale_days),
    )
    click.echo(intake.describe(result, provider, submitted))
    if not result.ok:
        click.echo("有不能导入的行：未写入任何文件。请改好这些行后重新导入。", err=True)
        sys.exit(1)
    if not write:
        if result.changes or result.new:
            click.echo("这是预览，未写入任何文件；确认无误后加 --write --by 单位名称 写入。")
        return
    files = intakewrite.prepare(registry, result)
    intakewrite.write(files)
    for path in files:
        click.echo(f"已写入 {display_path(path)}")
    click.echo("请运行 servicepoints validate 检查，然后提交合并请求。")


@main.command("serve")
@DATA
@SETTINGS
@click.option("--config", "config_file", default="mkdocs.yml", show_default=True)
@click.option(
    "--out", "out_dir", type=click.Path(path_type=Path), help="预览网站的文件夹；默认一个临时文件夹，退出时删除。"
)
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="本机端口（只在 127.0.0.1 上提供）。"
)
def serve_cmd(data_dir: Path, settings_file: str, config_file: str, out_dir: Path | None, port: int) -> None:
    """编辑时预览网站：先完整生成一次，之后每次保存只重建受影响的页面，浏览器自动刷新；数据有错时保留上一版。"""
    import os
    import shutil
    import signal
    import tempfile

    from .build import build_site, check_output
    from .site.preview import Outcome, Preview, serve

    settings = load_settings(settings_file)
    temporary = out_dir is None
    folder = Path(tempfile.mkdtemp(prefix="servicepoints-preview-")) if out_dir is None else out_dir
    try:
        check_output(Path(config_file), data_dir, folder, settings)
        preview = Preview(Path(config_file), data_dir, settings_file, folder, build_site)
        first = preview.update()
        if first.kind == "refused":
            click.echo(first.message, err=True)
            sys.exit(2 if first.setup else 1)
        click.echo(first.message)

        def echo(outcome: Outcome) -> None:
            if outcome.kind != "unchanged":
                click.echo(outcome.message, err=outcome.kind == "refused")

        def stop(signum, frame) -> None:
            sys.exit(0)  # stopped like Ctrl+C, so the temporary folder goes too

        signal.signal(signal.SIGTERM, stop)
        # A forked build worker is stopped by SIGTERM (a pool's terminate) and must die at once, as under `build`.
        os.register_at_fork(after_in_child=lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL))
        serve(preview, port, echo, lambda server: click.echo(f"预览网址：{server.url}（按 Ctrl+C 结束）"))
    finally:
        if temporary:
            shutil.rmtree(folder, ignore_errors=True)
