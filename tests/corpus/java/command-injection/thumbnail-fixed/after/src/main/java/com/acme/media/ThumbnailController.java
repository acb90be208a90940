package com.acme.media;

import java.io.IOException;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

@RestController
public class ThumbnailController {
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}\\.(png|jpg)");

    @PostMapping("/media/{name}/thumbnail")
    public int thumbnail(@PathVariable("name") String name) throws IOException, InterruptedException {
        if (!SAFE_NAME.matcher(name).matches()) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST);
        }
        Process process = new ProcessBuilder(
                "convert", "/srv/media/" + name, "-resize", "200x200", "/srv/thumbs/" + name).start();
        return process.waitFor();
    }
}
