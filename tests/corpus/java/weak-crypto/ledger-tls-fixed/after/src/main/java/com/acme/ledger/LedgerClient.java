package com.acme.ledger;

import java.security.GeneralSecurityException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;

public class LedgerClient {
    public SSLSocketFactory socketFactory() throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(null, null, null);
        return context.getSocketFactory();
    }
}
