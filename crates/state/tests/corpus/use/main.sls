template:
  test.configurable_test_state:
    - changes: False
    - comment: from the template
    - result: True
user:
  test.configurable_test_state:
    - result: False
    - use:
      - test: template
