common_state:
  test.nop: []
common_excluded:
  test.fail_without_changes: []
