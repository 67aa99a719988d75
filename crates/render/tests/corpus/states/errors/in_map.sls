# the map fails
{% from "errors/sub/bad_map.jinja" import v %}
a: {{ v }}
