{% from "errors/sub/bad.jinja" import v %}
a: {{ v }}
