failing:
  test.fail_without_changes: []
handler:
  test.succeed_without_changes:
    - onfail:
      - test: failing
    - onfail_stop: False
