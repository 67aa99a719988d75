{% from "deepmap/map.jinja" import d, where %}
deep:
  test.nop:
    - port: {{ d.port }}
    - where: {{ where }}
    - mine: {{ tpldir }}
