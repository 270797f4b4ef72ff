"""Operations: what the proxy tells its operators, and the limits that keep it up."""
