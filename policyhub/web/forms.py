"""Page forms (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, PasswordField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from policyhub.services.criteria import SIZE_LABELS

__all__ = ["ActionForm", "CriteriaForm", "LoginForm", "PolicyForm", "WithdrawForm"]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=64)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=256)])


class PolicyForm(FlaskForm):
    title = StringField("标题", validators=[Optional(), Length(max=300, message="标题最多 300 字")])
    doc_number = StringField("文号", validators=[Optional(), Length(max=100, message="文号最多 100 字")])
    department = SelectField("发文部门", validate_choice=True)
    issued_on = DateField("印发日期", validators=[Optional()], format="%Y-%m-%d")
    effective_from = DateField("生效日期", validators=[Optional()], format="%Y-%m-%d")
    effective_to = DateField("失效日期", validators=[Optional()], format="%Y-%m-%d")
    body = TextAreaField("正文", validators=[Optional(), Length(max=1_000_000, message="正文过长")])
    file = FileField("或上传文件（.txt / .docx / .pdf / .html，20 MB 以内）")


class CriteriaForm(FlaskForm):
    industries = StringField("适用行业（GB/T 4754 代码，分号分隔；留空为全部行业）",
                             validators=[Length(max=2000)])
    excluded_industries = StringField("排除行业", validators=[Length(max=2000)])
    sizes = MultiCheckboxField("企业规模（不选为全部规模）", choices=dict(SIZE_LABELS))
    regions = StringField("适用地区（6 位行政区划代码）", validators=[Length(max=2000)])
    qualifications = StringField("资质要求", validators=[Length(max=2000)])
    above_scale_only = BooleanField("仅限规模以上/限额以上企业")


class ActionForm(FlaskForm):
    """A button that only needs its CSRF token."""


class WithdrawForm(FlaskForm):
    reason = StringField("撤回原因", validators=[Length(max=500, message="最多 500 字")])
