import React from 'react';
import DOMPurify from 'dompurify';

interface Props {
  bio: string;
  displayName: string;
}

export function ProfileBio({ bio, displayName }: Props) {
  return (
    <section className="profile">
      <h2>{displayName}</h2>
      <div className="bio" dangerouslySetInnerHTML={{ __html: DOMPurify.sanitize(bio) }} />
    </section>
  );
}
