include:
  - ..common
config_file:
  test.succeed_with_changes: []
