string_form: test.nop
list_form:
  test:
    - succeed_with_changes
    - name: list form name
dotted_empty:
  test.succeed_without_changes: []
two_states:
  test.nop: []
  cmd.run:
    - name: echo two states
