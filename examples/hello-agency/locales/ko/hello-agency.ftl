# hello-agency's own messages. JOSA picks the particle that fits the name:
# 세종은, 길동은, Kim은 (엠), Lee는 (이).
hello-greeting = 안녕하세요, { $name }님!
hello-greeting-exists = { JOSA($name, "은/는") } 이미 인사를 받았습니다.
