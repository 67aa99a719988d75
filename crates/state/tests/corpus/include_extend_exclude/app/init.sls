include:
  - .config
  - app.service
  - common
  - unwanted
exclude:
  - sls: unwanted
  - id: common_excluded
extend:
  config_file:
    test.succeed_without_changes:
      - comment: extended comment
      - require:
        - test: service_up
  common_state:
    test:
      - name: renamed by extend
app_itself:
  test.succeed_without_changes:
    - require:
      - sls: app.config
