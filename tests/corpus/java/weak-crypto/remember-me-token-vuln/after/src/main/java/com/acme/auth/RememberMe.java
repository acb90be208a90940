package com.acme.auth;

import java.util.Random;
import javax.servlet.http.Cookie;
import javax.servlet.http.HttpServletResponse;

public class RememberMe {
    private final Random random = new Random();

    public void issue(HttpServletResponse response) {
        long value = random.nextLong();
        Cookie cookie = new Cookie("remember_me", Long.toHexString(value));
        cookie.setHttpOnly(true);
        cookie.setSecure(true);
        response.addCookie(cookie);
    }
}
