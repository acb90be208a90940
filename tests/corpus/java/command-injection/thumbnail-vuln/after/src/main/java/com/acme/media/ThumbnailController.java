package com.acme.media;

import java.io.IOException;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
public class ThumbnailController {
    @PostMapping("/media/{name}/thumbnail")
    public int thumbnail(@PathVariable("name") String name) throws IOException, InterruptedException {
        String command = "convert /srv/media/" + name + " -resize 200x200 /srv/thumbs/" + name;
        Process process = new ProcessBuilder("sh", "-c", command).start();
        return process.waitFor();
    }
}
