{% from "errors/absent.jinja" import x %}
