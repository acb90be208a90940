package com.acme.auth;

import javax.servlet.http.Cookie;
import javax.servlet.http.HttpServletResponse;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
public class RememberMeController {
    private final TokenService tokens;

    public RememberMeController(TokenService tokens) {
        this.tokens = tokens;
    }

    @PostMapping("/remember-me")
    public void remember(HttpServletResponse response) {
        Cookie cookie = new Cookie("remember", tokens.issue());
        cookie.setMaxAge(30 * 24 * 3600);
        cookie.setPath("/");
        response.addCookie(cookie);
    }
}
