fails:
  test.fail_without_changes: []
needs:
  test.nop:
    - require:
      - fails
also_needs:
  test.nop:
    - require_in:
      - test: target
target:
  test.nop:
    - onfail:
      - fails
