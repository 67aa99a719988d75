include:
  - lib.base
  - lib.extras
exclude:
  - sls: lib.ext*
extend:
  base_state:
    test:
      - require:
        - test: app_state
      - comment: extended
  named_base:
    test:
      - name: replaced name
  excluded_extra:
    test:
      - comment: never applied
app_state:
  test.succeed_with_changes:
    - require:
      - test: base_dep
