many:
  test.succeed_with_changes:
    - names:
      - alpha
      - beta
      - gamma
with_args:
  test.configurable_test_state:
    - changes: False
    - names:
      - one:
        - comment: first one
      - two:
        - comment: second one
        - result: False
      - three
name_int:
  test.nop:
    - name: 5
after_names:
  test.nop:
    - require:
      - test: beta
    - order: 5
