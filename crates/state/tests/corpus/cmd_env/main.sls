env_dict:
  cmd.run:
    - name: echo "$GREETING $WHO"
    - env:
        GREETING: hello
        WHO: world
env_list:
  cmd.run:
    - name: echo "$A-$B"
    - env:
      - A: one
      - B: two
env_bad:
  cmd.run:
    - name: echo never
    - env: not-a-dict
json_stateful:
  cmd.run:
    - name: 'echo ''{"changed": true, "comment": "json said so", "extra": 5}'''
    - stateful: True
not_changed_stateful:
  cmd.run:
    - name: echo "changed=no comment='nothing to do'"
    - stateful: True
bad_stateful:
  cmd.run:
    - name: echo "this is not key value"
    - stateful: True
test_name_stateful:
  cmd.run:
    - name: echo "changed=yes"
    - stateful:
      - test_name: echo "changed=no comment='test says no'"
stderr_only:
  cmd.run:
    - name: echo oops >&2
    - stateful: True
shell_features:
  cmd.run:
    - name: for i in 1 2 3; do printf "$i"; done; echo; exit 0
