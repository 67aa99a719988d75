include:
  - .conf
  - base: common
web_pkg:
  test.succeed_with_changes:
    - require:
      - sls: web.conf
web_service:
  test.succeed_without_changes:
    - watch:
      - test: web_conf_file
