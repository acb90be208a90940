package com.acme.accounts;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
public class AccountController {
    private final DataSource dataSource;

    public AccountController(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @GetMapping("/accounts")
    public String owner(@RequestParam String email) throws SQLException {
        try (Connection conn = dataSource.getConnection(); Statement stmt = conn.createStatement()) {
            ResultSet rs = stmt.executeQuery("SELECT owner FROM accounts WHERE email = '" + email + "'");
            return rs.next() ? rs.getString(1) : "";
        }
    }
}
