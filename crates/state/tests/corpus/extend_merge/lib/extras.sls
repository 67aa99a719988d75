excluded_extra:
  test.fail_without_changes: []
