web:
  port: 8080
  sites:
    - name: example.org
    - name: old.example.org
      enabled: False
      port: 8081
