{% from "web/map.jinja" import web with context %}
include:
  - .sites

web_package:
  test.succeed_with_changes:
    - name: {{ web.pkg }}

web_config:
  test.configurable_test_state:
    - name: {{ web.conf_dir }}/nginx.conf
    - changes: True
    - result: True
    - comment: "port {{ web.port }} user {{ web.user }}"
    - require:
      - test: web_package

web_service:
  test.succeed_without_changes:
    - name: nginx
    - watch:
      - test: web_config
