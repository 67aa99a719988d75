web_conf_file:
  test.succeed_with_changes:
    - require:
      - sls: common
