package com.acme.directory;

import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.DirContext;
import javax.naming.directory.SearchControls;
import javax.naming.directory.SearchResult;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
public class StaffLookup {
    private final DirContext directory;

    public StaffLookup(DirContext directory) {
        this.directory = directory;
    }

    @GetMapping("/staff")
    public boolean exists(@RequestParam String login) throws NamingException {
        SearchControls controls = new SearchControls();
        controls.setSearchScope(SearchControls.SUBTREE_SCOPE);
        NamingEnumeration<SearchResult> found =
                directory.search(
                        "ou=staff,dc=acme,dc=example",
                        "(&(objectClass=person)(uid={0}))",
                        new Object[] {login},
                        controls);
        return found.hasMore();
    }
}
