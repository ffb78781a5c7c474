"""Page forms (Flask-WTF): CSRF on every one, and how each renders.

What a posted form may hold is said once, by its model in policyhub.web.schemas (form_input.form_values);
validators here only give a field's own Chinese message for a required or too long value. Every form is a
`Form`, whose WTForms messages (a choice not offered, a date that is not one) read in Chinese.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, DateInput, HiddenInput, ListWidget

from policyhub.models.user import ROLE_LABELS
from policyhub.services.criteria import SIZE_LABELS

__all__ = [
    "WTFORMS_MESSAGES", "ActionForm", "AnswerForm", "ConsultationForm", "CriteriaForm", "DepartmentForm", "EnterpriseForm", "ImportForm",
    "LoginForm", "LookupForm", "OverrideForm", "PasswordForm", "PolicyForm", "ReassignForm", "ReturnForm", "RoleForm",
    "ScheduleForm", "SupplementForm", "SupplementRequestForm", "UserForm", "WithdrawForm", "Form",
]

_NOT_OFFERED = "不是可选的值，请从列表中选择"

#: WTForms' own messages (fields, validators, CSRF) as people here read them; a test keeps this complete for
#: the fields used.
WTFORMS_MESSAGES = {
    "Not a valid choice.": _NOT_OFFERED,
    "Invalid Choice: could not coerce.": _NOT_OFFERED,
    "Invalid choice(s): one or more data inputs could not be coerced.": _NOT_OFFERED,
    # WTForms joins several values as a', 'b: the quotes are its.
    "'%(value)s' is not a valid choice for this field.": "'%(value)s' " + _NOT_OFFERED,
    "'%(value)s' are not valid choices for this field.": "'%(value)s' " + _NOT_OFFERED,
    "Choices cannot be None.": "没有可选的值",
    "Not a valid date value.": "日期格式应为 YYYY-MM-DD",
    "Not a valid datetime value.": "时间格式应为 YYYY-MM-DD HH:MM",
    "Not a valid time value.": "时间格式应为 HH:MM",
    "Not a valid week value.": "应为 YYYY-Www 格式的周",
    "Not a valid integer value.": "应为整数",
    "Not a valid decimal value.": "应为数字",
    "Not a valid float value.": "应为数字",
    "This field is required.": "必填",
    "Field must be at least %(min)d character long.": "至少 %(min)d 个字",
    "Field must be at least %(min)d characters long.": "至少 %(min)d 个字",
    "Field cannot be longer than %(max)d character.": "最多 %(max)d 个字",
    "Field cannot be longer than %(max)d characters.": "最多 %(max)d 个字",
    "Field must be exactly %(max)d character long.": "应为 %(max)d 个字",
    "Field must be exactly %(max)d characters long.": "应为 %(max)d 个字",
    "Field must be between %(min)d and %(max)d characters long.": "应为 %(min)d 到 %(max)d 个字",
    "Invalid input.": "输入有误",
    "Invalid CSRF Token.": "页面已过期或缺少安全令牌（CSRF），请刷新页面后重试",
    "CSRF token missing.": "页面已过期或缺少安全令牌（CSRF），请刷新页面后重试",
    "CSRF failed.": "页面已过期或缺少安全令牌（CSRF），请刷新页面后重试",
    "CSRF token expired.": "页面已过期或缺少安全令牌（CSRF），请刷新页面后重试",
}


class _ChineseMessages:
    """The translations WTForms asks its messages of: Chinese where known, else the text as given."""

    def gettext(self, string: str) -> str:
        return WTFORMS_MESSAGES.get(string, string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


_CHINESE = _ChineseMessages()


class Form(FlaskForm):
    """A page form whose WTForms messages read in Chinese (WTForms' own catalogue misses some, and needs Babel)."""

    class Meta:
        def get_translations(self, form: Any) -> _ChineseMessages:
            return _CHINESE


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(Form):
    username = StringField("用户名", validators=[DataRequired("请输入用户名")])
    password = PasswordField("密码", validators=[DataRequired("请输入密码")])


class PolicyForm(Form):
    title = StringField("标题", validators=[Optional(), Length(max=300, message="标题最多 300 字")])
    doc_number = StringField("文号", validators=[Optional(), Length(max=100, message="文号最多 100 字")])
    department = SelectField("发文部门", validate_choice=True)
    # Dates and the amount are text here: PolicyIn parses them, refusing in Chinese (WTForms would in English).
    issued_on = StringField("印发日期", widget=DateInput())
    effective_from = StringField("生效日期", widget=DateInput())
    effective_to = StringField("失效日期", widget=DateInput())
    apply_from = StringField("申报开始", widget=DateInput())
    apply_until = StringField("申报截止", widget=DateInput())
    max_support_wan = StringField("最高支持（万元）")
    contact = StringField("咨询电话/联系人", validators=[Optional(), Length(max=300, message="最多 300 字")])
    body = TextAreaField("正文", validators=[Optional(), Length(max=1_000_000, message="正文过长")])
    file = FileField("或上传文件（.txt / .docx / .pdf / .html，20 MB 以内）")


class CriteriaForm(Form):
    industries = StringField("适用行业（GB/T 4754 代码，分号分隔；留空为全部行业）")
    excluded_industries = StringField("排除行业")
    sizes = MultiCheckboxField("企业规模（不选为全部规模）", choices=dict(SIZE_LABELS))
    regions = StringField("适用地区（6 位行政区划代码）")
    qualifications = StringField("资质要求")
    above_scale_only = BooleanField("仅限规模以上/限额以上企业")


class ActionForm(Form):
    """A button that only needs its CSRF token."""


class PublishForm(Form):
    """Publish; when the engine left points to confirm, the editor ticks that they were checked."""

    confirm_review = BooleanField("我已核对以上提示，确认发布")
    # The reach the editor saw in the preview: publishing refuses when it is not confirmed or has changed.
    expected_reach = HiddenField()
    confirm_reach = BooleanField("确认推送")


class WithdrawForm(Form):
    reason = StringField("撤回原因", validators=[DataRequired("请填写撤回原因"),
                                                 Length(max=500, message="最多 500 字")])


BINZHOU_REGIONS = {
    "371602": "滨城区", "371603": "沾化区", "371621": "惠民县", "371622": "阳信县",
    "371623": "无棣县", "371625": "博兴县", "371681": "邹平市",
}


class EnterpriseForm(Form):
    """Self-registration and staff editing; the service validates the values, this only carries them."""

    credit_code = StringField("统一社会信用代码")
    name = StringField("企业名称")
    industry_code = StringField("所属行业（输入名称选择，或填写 GB/T 4754 代码）")
    employees = StringField("从业人员（人）")
    revenue_wan = StringField("营业收入（万元）")
    assets_wan = StringField("资产总额（万元）")
    size = SelectField("企业规模（无经营数据时填写）", validate_choice=False)
    region_code = SelectField("所在县（市、区）", validate_choice=False)
    business_scope = TextAreaField("经营范围")
    qualifications = MultiCheckboxField("企业资质", validate_choice=False)
    mobile = StringField("手机号")
    email = StringField("电子邮箱")
    channels = MultiCheckboxField("接收政策推送的方式", choices={"sms": "短信", "email": "电子邮件"})
    frequency = SelectField("推送频率", choices={"instant": "有新政策即推送", "daily": "每日汇总一次",
                                                    "weekly": "每周一汇总一次"})
    consent = BooleanField("我同意平台通过以上方式向本企业推送惠企政策信息，可随时退订")


class ImportForm(Form):
    file = FileField("CSV（UTF-8 或 GB18030）或 XLSX 文件")


class ConsultationForm(Form):
    question = TextAreaField("咨询内容", validators=[Length(max=2000, message="最多 2000 字")])
    contact_name = StringField("联系人", validators=[Length(max=50, message="最多 50 字")])
    mobile = StringField("手机号")
    email = StringField("电子邮箱")
    credit_code = StringField("统一社会信用代码（选填）")
    policy_id = StringField("相关政策")


class LookupForm(Form):
    tracking_code = StringField("查询码", validators=[DataRequired("请输入查询码")])
    contact = StringField("提交时填写的手机号或邮箱", validators=[DataRequired("请输入手机号或邮箱")])


class SupplementForm(Form):
    supplement = TextAreaField("补充材料", validators=[Length(max=2000, message="最多 2000 字")])
    files = MultipleFileField("附件（PDF、JPG、PNG、DOCX、XLSX，最多 3 个，每个 10 MB 以内）")
    token = StringField()


class AnswerForm(Form):
    answer = TextAreaField("答复内容", validators=[Length(max=5000, message="最多 5000 字")])
    files = MultipleFileField("附件（PDF、JPG、PNG、DOCX、XLSX，最多 3 个，每个 10 MB 以内）")


class ReassignForm(Form):
    department = SelectField("转至部门", validate_choice=False)
    reason = StringField("转办原因")


class SupplementRequestForm(Form):
    request_text = TextAreaField("需要企业补充的内容")


class OverrideForm(Form):
    # InputRequired, not DataRequired: a date typed wrong keeps its own message (the format), not "choose one".
    day = DateField("日期", validators=[InputRequired("请选择日期")], format="%Y-%m-%d")
    workday = SelectField("设为", choices={"1": "工作日（调休上班）", "0": "休息日"})
    note = StringField("说明")


class DayToggleForm(Form):
    """One day's button on the month view: working day ↔ day off."""

    day = DateField("日期", validators=[InputRequired("请选择日期")], format="%Y-%m-%d", widget=HiddenInput())


class ScheduleForm(Form):
    year = StringField("年份", validators=[DataRequired("请输入年份")])
    file = FileField("国务院办公厅放假安排（日程文件）")


class UserForm(Form):
    """A new staff account (the admin users page)."""

    username = StringField("用户名")
    display_name = StringField("姓名", validators=[Length(max=64, message="最多 64 字")])
    role = SelectField("角色", choices=dict(ROLE_LABELS))
    department = SelectField("部门", validate_choice=False)
    password = PasswordField("初始密码（至少 8 位）")
    email = StringField("电子邮箱")
    mobile = StringField("手机号")


class RoleForm(Form):
    role = SelectField("角色", choices=dict(ROLE_LABELS))
    department = SelectField("部门", validate_choice=False)


class PasswordForm(Form):
    password = PasswordField("新密码（至少 8 位）", validators=[Length(max=256, message="最多 256 位")])


class DepartmentForm(Form):
    code = StringField("部门代码", validators=[Length(max=32, message="最多 32 位")])
    name = StringField("部门名称", validators=[Length(max=128, message="最多 128 字")])
    email = StringField("督办邮箱（超期升级时通知）")
    phone = StringField("督办电话")
    approval_required = BooleanField("发布须经审核（编辑提交，本部门审核人发布或退回）")


class ReturnForm(Form):
    comment = TextAreaField("退回意见", validators=[DataRequired("请填写退回意见"),
                                                  Length(max=500, message="最多 500 字")])
