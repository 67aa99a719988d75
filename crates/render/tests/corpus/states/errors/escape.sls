{% from "../../outside.jinja" import x %}
